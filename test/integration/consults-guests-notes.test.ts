import { ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUserId, World, type PatientActor, type PractitionerActor } from './scheduling-world.js';

/** Guests (invite links, lobby, single use, expiry, rate limits) and SOAP notes, through the local stack. */
let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(async () => world?.close());

async function started(): Promise<{ doc: PractitionerActor; patient: PatientActor; consult: any }> {
  const doc = await world.practitioner();
  const patient = await world.patient();
  const appointment = await world.book(patient, doc);
  await world.ok(200, 'POST', `/appointments/${appointment.id}/check-in`, {
    token: patient.token,
    body: { reasonForVisit: 'follow-up', symptoms: [], currentMedications: [], consentToRemoteConsultation: true },
  });
  const consult = await world.ok(201, 'POST', '/consults', { token: doc.token, body: { appointmentId: appointment.id } });
  return { doc, patient, consult };
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

describe('guests', () => {
  it('redeem a one-time link into the lobby, join once admitted, and cannot use the link again', async () => {
    const { doc, consult } = await started();
    const invited = await world.ok(201, 'POST', `/consults/${consult.id}/invite`, { token: doc.token, body: { kind: 'interpreter' } });
    expect(invited.participant).toMatchObject({ kind: 'interpreter', guest: true, status: 'invited' });
    const { token, expiresAt } = invited.invite;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);

    // Only the hash is stored: the token itself is nowhere in the table.
    const scan = await world.stack.deps.dynamodb.send(new ScanCommand({ TableName: world.stack.config.recordsTableName }));
    expect(JSON.stringify(scan.Items)).not.toContain(token);
    expect(JSON.stringify(scan.Items)).toContain(tokenHash(token));

    const redeemed = await world.ok(201, 'POST', '/consult-invites/redeem', { body: { token } });
    expect(redeemed).toMatchObject({ consultId: consult.id, participantId: invited.participant.participantId, status: 'waiting', session: expect.any(String) });
    const used = await world.call('POST', '/consult-invites/redeem', { body: { token } });
    expect(used.status).toBe(404);
    expect(used.headers.get('content-type')).toBe('application/problem+json');

    const guestJoin = (session = redeemed.session) => world.call('POST', `/consults/${consult.id}/guest-join`, { body: { session } });
    expect((await guestJoin()).body).toEqual({ status: 'waiting', participantId: redeemed.participantId });
    const lobby = await world.ok(200, 'GET', `/consults/${consult.id}/lobby`, { token: doc.token });
    expect(lobby.items.map((p: any) => p.participantId)).toContain(redeemed.participantId);
    await world.ok(200, 'POST', `/consults/${consult.id}/admit`, { token: doc.token, body: { participantId: redeemed.participantId } });
    const admitted = await guestJoin();
    expect(admitted.status).toBe(200);
    expect(admitted.body).toMatchObject({ status: 'admitted', meeting: { MeetingId: consult.meeting.meetingId }, attendee: { ExternalUserId: redeemed.participantId } });

    const forged = `${redeemed.participantId}.${'A'.repeat(43)}`;
    expect((await guestJoin(forged)).status).toBe(401);
    expect((await world.call('POST', `/consults/${consult.id}/guest-join`, { body: { session: 'nonsense' } })).status).toBe(400);

    await world.ok(200, 'POST', `/consults/${consult.id}/remove`, { token: doc.token, body: { participantId: redeemed.participantId } });
    expect((await guestJoin()).status).toBe(403);

    const trail = await world.ok(200, 'GET', `/patients/${consult.patientId}/audit?limit=200`, { token: world.admin.token });
    expect(trail.items).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'redeemConsultInvite', actorId: redeemed.participantId, actorRole: 'guest', outcome: 'allowed' })]));
  });

  it('refuse an expired link, and rate limit attempts on one link', async () => {
    const { doc, consult } = await started();
    const invited = await world.ok(201, 'POST', `/consults/${consult.id}/invite`, { token: doc.token, body: { kind: 'caregiver' } });
    // A day later: the invite's validity moved into the past.
    await world.stack.deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: world.stack.config.recordsTableName,
        Key: { pk: { S: `INVITE#${tokenHash(invited.invite.token)}` }, sk: { S: 'INVITE' } },
        UpdateExpression: 'SET validUntil = :past',
        ExpressionAttributeValues: { ':past': { S: new Date(Date.now() - 1000).toISOString() } },
      }),
    );
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) statuses.push((await world.call('POST', '/consult-invites/redeem', { body: { token: invited.invite.token } })).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
    expect((await world.call('POST', '/consult-invites/redeem', { body: { token: 'x'.repeat(43) } })).status).toBe(404);
    expect((await world.call('POST', '/consult-invites/redeem', { body: { token: 'short' } })).status).toBe(400);
  });
});

describe('notes', () => {
  const soap = { subjective: 'Headaches for two weeks.', objective: 'BP 150/95.', assessment: 'Hypertension.', plan: 'Increase dose.' };

  it('keep every version, refuse stale writes (412), lock once signed (409), and take addenda after', async () => {
    const { doc, patient, consult } = await started();
    const notes = `/consults/${consult.id}/notes`;
    expect((await world.call('GET', notes, { token: doc.token })).status).toBe(404);

    const first = await world.call('PUT', notes, { token: doc.token, body: soap });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"1"');
    expect(first.body).toMatchObject({ version: 1, status: 'draft', ...soap, authorId: doc.userId, addenda: [] });
    expect((await world.call('PUT', notes, { token: doc.token, body: soap })).status).toBe(412);
    const second = await world.call('PUT', notes, { token: doc.token, body: { ...soap, plan: 'Increase dose; review in 4 weeks.' }, headers: { 'if-match': '"1"' } });
    expect(second.status).toBe(200);
    expect(second.headers.get('etag')).toBe('"2"');
    expect((await world.call('PUT', notes, { token: doc.token, body: soap, headers: { 'if-match': '"1"' } })).status).toBe(412);
    expect((await world.call('PUT', notes, { token: doc.token, body: soap, headers: { 'if-match': 'banana' } })).status).toBe(400);

    // Patients see the note once signed (the default).
    expect((await world.call('GET', notes, { token: patient.token })).status).toBe(404);
    expect((await world.call('POST', `${notes}/addenda`, { token: doc.token, body: { text: 'too early' } })).status).toBe(409);
    expect((await world.call('POST', `${notes}/sign`, { token: doc.token })).status).toBe(412);
    expect((await world.call('POST', `${notes}/sign`, { token: doc.token, headers: { 'if-match': '"1"' } })).status).toBe(412);
    const signed = await world.call('POST', `${notes}/sign`, { token: doc.token, headers: { 'if-match': '"2"' } });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ version: 3, status: 'signed', plan: 'Increase dose; review in 4 weeks.', signedAt: expect.any(String) });
    const locked = await world.call('PUT', notes, { token: doc.token, body: soap, headers: { 'if-match': '"3"' } });
    expect(locked.status).toBe(409);
    expect(locked.body.detail).toMatch(/signed/);

    const addendum = await world.ok(201, 'POST', `${notes}/addenda`, { token: doc.token, body: { text: 'Potassium normal.' } });
    expect(addendum).toMatchObject({ addendumId: expect.stringMatching(/^note_/), text: 'Potassium normal.', authorId: doc.userId });
    const seen = await world.ok(200, 'GET', notes, { token: patient.token });
    expect(seen).toMatchObject({ version: 3, status: 'signed', addenda: [expect.objectContaining({ text: 'Potassium normal.' })] });

    const history = await world.ok(200, 'GET', `${notes}/versions`, { token: doc.token });
    expect(history.items.map((item: any) => [item.version, item.status])).toEqual([
      [3, 'signed'],
      [2, 'draft'],
      [1, 'draft'],
    ]);
    expect(history.items[2].plan).toBe('Increase dose.');
    const page = await world.ok(200, 'GET', `${notes}/versions?limit=1`, { token: doc.token });
    expect((await world.ok(200, 'GET', `${notes}/versions?limit=1&cursor=${page.nextCursor}`, { token: doc.token })).items[0].version).toBe(2);
  });

  it('are for the care team and the patient, written by the host only', async () => {
    const { doc, patient, consult } = await started();
    const notes = `/consults/${consult.id}/notes`;
    await world.ok(200, 'PUT', notes, { token: doc.token, body: soap });
    const colleague = await world.practitioner();
    await world.ok(201, 'POST', `/patients/${patient.patientId}/care-team`, { token: world.admin.token, body: { practitionerId: colleague.practitionerId } });
    const otherPatient = await world.patient();
    const caregiverId = newUserId('caregiver');
    const caregiver = await world.token(caregiverId, 'patient');
    await world.ok(201, 'POST', `/consults/${consult.id}/invite`, { token: doc.token, body: { kind: 'caregiver', userId: caregiverId } });

    expect((await world.call('GET', notes, { token: colleague.token })).status).toBe(200);
    expect((await world.call('GET', `${notes}/versions`, { token: colleague.token })).status).toBe(200);
    expect((await world.call('PUT', notes, { token: colleague.token, body: soap, headers: { 'if-match': '"1"' } })).status).toBe(403);
    expect((await world.call('GET', notes, { token: caregiver })).status).toBe(403);
    expect((await world.call('GET', notes, { token: otherPatient.token })).status).toBe(404);
    expect((await world.call('GET', notes, { token: world.admin.token })).status).toBe(403);
    expect((await world.call('GET', `${notes}/versions`, { token: patient.token })).status).toBe(403);

    await world.ok(200, 'POST', `${notes}/sign`, { token: doc.token, headers: { 'if-match': '"1"' } });
    expect((await world.call('POST', `${notes}/addenda`, { token: colleague.token, body: { text: 'Seen in clinic.' } })).status).toBe(201);
  });
});
