export {
  GLOBAL_ROLES,
  SESSION_ROLES,
  ROLES_THAT_SCHEDULE,
  SESSION_ROLE_GRANTS,
  SESSION_ROLE_VIEW,
  DRAWING_ROLES,
  TOKEN_TTL_SECONDS,
  canDraw,
} from './roles.ts';
export type { GlobalRole, SessionRole, MediaSource, RoomGrants, ParticipantAttributes } from './roles.ts';

export {
  ERROR_CODES,
  ErrorBody,
  Id,
  Email,
  NewPassword,
  PersonName,
  SignInBody,
  SignUpBody,
  CreateUserBody,
  User,
  SESSION_STATUSES,
  CreateSessionBody,
  Member,
  LiveSession,
  SessionList,
  InviteBody,
  SessionToken,
} from './api.ts';
export type { ErrorCode, SessionStatus } from './api.ts';
