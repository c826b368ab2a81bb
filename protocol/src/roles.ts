/**
 * Who may do what. Global roles belong to an account; session roles belong to one
 * person in one live session and decide their LiveKit grants and their view.
 */

/** `qc_lead`: runs an ultrasound QC centre's protocols and statistics. */
export const GLOBAL_ROLES = ['admin', 'mentor', 'surgeon', 'trainee', 'qc_lead'] as const;
export type GlobalRole = (typeof GLOBAL_ROLES)[number];

export const SESSION_ROLES = ['host', 'mentor', 'theatre', 'observer'] as const;
export type SessionRole = (typeof SESSION_ROLES)[number];

/** Global roles allowed to schedule live sessions (trainees watch and replay). */
export const ROLES_THAT_SCHEDULE: readonly GlobalRole[] = ['admin', 'mentor', 'surgeon', 'qc_lead'];

/** Global roles that create and edit scan protocols and read every site's QC statistics. */
export const PROTOCOL_EDIT_ROLES: readonly GlobalRole[] = ['admin', 'qc_lead'];

/** LiveKit track sources, spelled as livekit-client's `Track.Source` values. */
export type MediaSource = 'camera' | 'microphone' | 'screen_share' | 'screen_share_audio';

export type RoomGrants = {
  canSubscribe: boolean;
  canPublish: boolean;
  canPublishData: boolean;
  canPublishSources: readonly MediaSource[];
};

/**
 * The one table of per-session-role grants. The api mints tokens from it and every
 * client uses it to decide whose annotation ops to obey.
 */
export const SESSION_ROLE_GRANTS = {
  // Theatre publishes the surgical picture (capture card = camera, ultrasound = screen share)
  // and the room microphone. It may send data because it holds the overlay for late joiners
  // (observers cannot: livekit-server drops every packet, RPC included, from a participant
  // without data permission); its own annotation ops are never obeyed (DRAWING_ROLES).
  theatre: {
    canSubscribe: true,
    canPublish: true,
    canPublishData: true,
    canPublishSources: ['camera', 'microphone', 'screen_share', 'screen_share_audio'],
  },
  // Mentors talk and draw; drawings travel as data packets.
  mentor: {
    canSubscribe: true,
    canPublish: true,
    canPublishData: true,
    canPublishSources: ['microphone'],
  },
  // The host runs the session: may speak and send data (bookmarks, moderation) but does not draw.
  host: {
    canSubscribe: true,
    canPublish: true,
    canPublishData: true,
    canPublishSources: ['microphone'],
  },
  // Observers (trainees) only watch and listen.
  observer: {
    canSubscribe: true,
    canPublish: false,
    canPublishData: false,
    canPublishSources: [],
  },
} as const satisfies Record<SessionRole, RoomGrants>;

/** Session roles whose annotation ops a client obeys. Judged on the server-stamped identity. */
export const DRAWING_ROLES: readonly SessionRole[] = ['mentor'];

/** Session roles that keep the live overlay and send it to participants who join late. */
export const OVERLAY_HOLDER_ROLES: readonly SessionRole[] = ['theatre', 'mentor'];

export function canDraw(role: SessionRole): boolean {
  return DRAWING_ROLES.includes(role);
}

/** Session roles that may drop a bookmark (a chapter of the recorded case). */
export const BOOKMARK_ROLES: readonly SessionRole[] = ['mentor', 'theatre', 'host'];

/** Session roles that run the recording (start with consent, pause, resume, stop); admins may too. */
export const RECORDING_CONTROL_ROLES: readonly SessionRole[] = ['theatre', 'host'];

/** Session roles that edit, publish and delete the session's cases; admins may too. */
export const CASE_EDIT_ROLES: readonly SessionRole[] = ['host', 'mentor'];

/**
 * The one rule for who may do an action of a session: admins, and its members in `roles`.
 * @example mayAct(user.role, roleInSession, CASE_EDIT_ROLES)
 */
export function mayAct(globalRole: GlobalRole, sessionRole: SessionRole | null | undefined, roles: readonly SessionRole[]): boolean {
  return globalRole === 'admin' || (!!sessionRole && roles.includes(sessionRole));
}

/** The live view each session role opens. */
export const SESSION_ROLE_VIEW = {
  theatre: 'theatre',
  mentor: 'mentor',
  host: 'watch',
  observer: 'watch',
} as const satisfies Record<SessionRole, 'theatre' | 'mentor' | 'watch'>;

/** Participant attributes the api puts in every token; the participant cannot change them. */
export type ParticipantAttributes = {
  role: SessionRole;
  name: string;
  /** Present on a display-only screen (second OR monitor), which publishes nothing. */
  display?: 'true';
};

/**
 * LiveKit token lifetime the api issues: enough to connect on a slow network. Expiry is checked
 * at connect only, and livekit-server hands a connected client fresh tokens of its own (ten
 * minutes, every five: livekit-server's tokenDefaultTTL), which a removed member may still
 * hold: what revokes is the api checking every join against the session (livekit/admission.ts).
 */
export const TOKEN_TTL_SECONDS = 2 * 60;
