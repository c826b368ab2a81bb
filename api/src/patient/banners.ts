/**
 * Where an ADT's patient goes: the banner of the session whose bound monitor is the ADT's bed
 * (PV1-3, see protocol/src/patient.ts), kept in the database, and a notice without patient data
 * to the session's room so that open pages fetch it through the member check.
 */
import { eq } from 'drizzle-orm';
import { PATIENT_VERSION, type PatientBanner } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { liveSessions, sessionPatients, sessionVitals } from '../db/schema.ts';
import type { RoomControl } from '../livekit/rooms.ts';
import type { Refusal } from '../vitals/pcd01.ts';
import { Hl7Sink } from '../vitals/hl7-sink.ts';
import { ageInYears, type AdtPatient } from './adt.ts';

export class PatientBanners extends Hl7Sink<'unknownBed' | 'sessionEnded'> {
  constructor(db: Db, rooms: RoomControl) {
    super(db, rooms, { unknownBed: 0, sessionEnded: 0 });
  }

  /** Sets the banner of the session bound to the patient's bed, or says why not (the listener answers AE with it). */
  async take(patient: AdtPatient): Promise<Refusal | { sessionId: string }> {
    const [bound] = await this.db
      .select({ sessionId: sessionVitals.sessionId, status: liveSessions.status })
      .from(sessionVitals)
      .innerJoin(liveSessions, eq(liveSessions.id, sessionVitals.sessionId))
      .where(eq(sessionVitals.deviceId, patient.bed));
    if (!bound) return this.refuse('unknownBed', `No session is bound to bed ${patient.bed}`);
    if (bound.status === 'ended') return this.refuse('sessionEnded', 'The session this bed is bound to has ended');
    const row = {
      name: patient.name,
      sex: patient.sex,
      birthDate: patient.birthDate,
      mrn: patient.mrn,
      allergies: patient.allergies,
      controlId: patient.controlId,
      updatedAt: new Date(),
    };
    await this.db
      .insert(sessionPatients)
      .values({ sessionId: bound.sessionId, ...row })
      .onConflictDoUpdate({ target: sessionPatients.sessionId, set: row });
    this.counts.accepted++;
    this.rooms
      .notifyPatient(bound.sessionId, { v: PATIENT_VERSION, changed: 'banner' })
      .catch((err) => console.error(`patient notice to room ${bound.sessionId} failed:`, err));
    return { sessionId: bound.sessionId };
  }
}

/** The session's banner as its members see it, or null when no ADT has come. */
export async function bannerOf(db: Db, sessionId: string, now = new Date()): Promise<PatientBanner | null> {
  const row = await db.select().from(sessionPatients).where(eq(sessionPatients.sessionId, sessionId)).get();
  if (!row) return null;
  return {
    name: row.name,
    sex: row.sex,
    birthDate: row.birthDate,
    ageYears: ageInYears(row.birthDate, now),
    mrn: row.mrn,
    allergies: row.allergies,
    updatedAt: row.updatedAt.toISOString(),
  };
}
