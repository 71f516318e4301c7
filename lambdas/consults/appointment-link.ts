import { transition } from '../scheduling/domain/appointment.js';
import { isLifecycleStatus, type StoredAppointment } from '../scheduling/model.js';
import type { AppointmentStore } from '../scheduling/ports.js';
import { Conflict } from '../shared/errors.js';

/**
 * The appointment side of a consult, through the scheduling capability's store and lifecycle (`transition`), so a
 * consult can never move an appointment in a way scheduling itself would refuse.
 */

const changedMeanwhile = () => new Conflict('the appointment changed meanwhile; try again');

/**
 * checked-in → in-progress; already in progress is fine (a repeated start). Anything else is refused by the
 * lifecycle: a booked appointment must be checked in first, since check-in records the consent to a remote consultation.
 */
export async function startAppointment(appointments: AppointmentStore, appointment: StoredAppointment, now: Date): Promise<StoredAppointment> {
  let current = appointment;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (!isLifecycleStatus(current.status)) throw new Conflict('the appointment is not confirmed');
    if (current.status === 'in-progress') return current;
    if (current.status === 'booked') throw new Conflict('the patient has not checked in yet (check-in records the consent to a remote consultation)');
    const status = transition(current.status, 'start');
    const updated = await appointments.update(current, { status }, now);
    if (updated) return updated;
    const reread = await appointments.get(current.id);
    if (!reread) throw changedMeanwhile();
    current = reread;
  }
  throw changedMeanwhile();
}

/** in-progress → completed when the consult ends; an appointment already completed (or moved on otherwise) is left alone. */
export async function completeAppointment(appointments: AppointmentStore, appointmentId: string, now: Date): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const current = await appointments.get(appointmentId);
    if (!current || current.status !== 'in-progress') return;
    const status = transition(current.status, 'complete');
    if (await appointments.update(current, { status }, now)) return;
  }
  throw changedMeanwhile();
}
