/**
 * Key formats of devices and rehab sessions in the records table. Every key part is an id or a fixed word.
 *
 *   DEVICE#<deviceId>  DEVICE            the device registry item (written by the devices API)
 *   DEVICE#<deviceId>  STATE             the stream processor's per-device state (last seq, open session)
 *   RSESS#<sessionId>  SUMMARY           a rehab session with its summary metrics; gsi1 lists a patient's sessions;
 *                                        gsi2 (only while active) lists active sessions by last message, for the sweeper
 *   RSESS#<sessionId>  REP#<nnnn>        one repetition
 *   RSESS#<sessionId>  RAW#<seq>         one raw message as received (the session's raw window, for recomputation)
 *   RSESS#<sessionId>  OWNER             the device that first used the session id (devices choose session ids)
 *
 * Sort keys of a session order as RAW# < REP# < SUMMARY, so one Query reads the repetitions and the summary.
 */
export const telemetryKeys = {
  device: (deviceId: string) => ({ pk: `DEVICE#${deviceId}`, sk: 'DEVICE' }),
  deviceState: (deviceId: string) => ({ pk: `DEVICE#${deviceId}`, sk: 'STATE' }),

  sessionPartition: (sessionId: string) => `RSESS#${sessionId}`,
  sessionSummary: (sessionId: string) => ({ pk: `RSESS#${sessionId}`, sk: SUMMARY_SK }),
  sessionOwner: (sessionId: string) => ({ pk: `RSESS#${sessionId}`, sk: 'OWNER' }),
  /** 1-based repetition index, zero-padded so the sort key orders numerically. */
  sessionRepetition: (sessionId: string, index: number) => ({ pk: `RSESS#${sessionId}`, sk: `${REP_PREFIX}${String(index).padStart(4, '0')}` }),
  /** uint32 sequence number, zero-padded to its 10 digits. */
  sessionRaw: (sessionId: string, seq: number) => ({ pk: `RSESS#${sessionId}`, sk: `${RAW_PREFIX}${String(seq).padStart(10, '0')}` }),

  /** gsi1 of a session summary: one patient's sessions, ordered by start time. */
  patientSessions: (patientId: string) => `PATIENT#${patientId}#RSESS`,
  patientSessionSort: (startedAt: string, sessionId: string) => `${startedAt}#${sessionId}`,

  /** gsi2 of an active session summary (sparse: removed once it is completed or interrupted), for the idle sweeper. */
  activeSessions: () => 'RSESS#ACTIVE',
  activeSessionSort: (lastMessageAt: string, sessionId: string) => `${lastMessageAt}#${sessionId}`,
} as const;

export const SUMMARY_SK = 'SUMMARY';
export const REP_PREFIX = 'REP#';
export const RAW_PREFIX = 'RAW#';
