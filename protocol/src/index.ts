export {
  GLOBAL_ROLES,
  SESSION_ROLES,
  ROLES_THAT_SCHEDULE,
  SESSION_ROLE_GRANTS,
  SESSION_ROLE_VIEW,
  DRAWING_ROLES,
  OVERLAY_HOLDER_ROLES,
  BOOKMARK_ROLES,
  RECORDING_CONTROL_ROLES,
  CASE_EDIT_ROLES,
  TOKEN_TTL_SECONDS,
  PROTOCOL_EDIT_ROLES,
  canDraw,
  mayAct,
} from './roles.ts';
export type { GlobalRole, SessionRole, MediaSource, RoomGrants, ParticipantAttributes } from './roles.ts';

export { RECORDING_STATES, BOOKMARKING_STATES, parseRoomMetadata, formatRoomMetadata } from './room-metadata.ts';
export type { RecordingState, RoomMetadata } from './room-metadata.ts';

export {
  ERROR_CODES,
  CONFLICT_REASONS,
  ErrorBody,
  Id,
  Email,
  NewPassword,
  PersonName,
  SignInBody,
  SignUpBody,
  CreateUserBody,
  User,
  UserEdit,
  SESSION_STATUSES,
  SESSION_KINDS,
  CreateSessionBody,
  Member,
  LiveSession,
  SessionList,
  InviteBody,
  SessionToken,
  OverlayRequestBody,
  RECORDING_STATUSES,
  CAPTURING_RECORDING_STATUSES,
  ACTIVE_RECORDING_STATUSES,
  RecorderState,
  RecorderWork,
  RecorderPoll,
  RecorderWorkerId,
  RECORDER_LEASE_HEADER,
  recorderLeaseHeader,
  parseRecorderLeaseHeader,
  RecorderStop,
  StartRecordingBody,
  Recording,
  RecordingOutcome,
  Chapter,
  CASE_STATUSES,
  Case,
  CaseDetail,
  MAX_RETENTION_DAYS,
  CaseList,
  CaseQuery,
  CaseEdit,
} from './api.ts';
export type {
  ErrorCode,
  ConflictReason,
  SessionKind,
  SessionStatus,
  RecordingStatus,
  CapturingRecordingStatus,
  ActiveRecordingStatus,
  CaseStatus,
} from './api.ts';

export { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, AuditEntry, AuditQuery, AuditList, AuditChain, AuditAnchorFailure } from './audit.ts';
export type { AuditAction, AuditTargetType } from './audit.ts';

export {
  ANNOTATION_VERSION,
  TOPICS,
  MAX_OP_BYTES,
  MAX_POINTS_PER_OP,
  MAX_STROKE_POINTS,
  MAX_TEXT_LENGTH,
  MAX_BOOKMARK_TITLE,
  MAX_SHARE_LABEL,
  MAX_SNAPSHOT_BYTES,
  MAX_FREEZE_FRAME_BYTES,
  FADE_MS,
  FADE_OUT_MS,
  LASER_TRAIL_MS,
  ANNOTATION_COLORS,
  ANNOTATION_WIDTHS,
  Point,
  FrameRef,
  Style,
  AnnotationOp,
  OverlaySnapshot,
  ResyncRequest,
  DrawnReceipt,
  VersionNotice,
  FocusNotice,
  PriorImage,
} from './annotation.ts';
export type { AnnotationColor, AnnotationWidth, AnnotationOpKind, Target } from './annotation.ts';
export {
  MAX_SOURCES,
  MAX_SOURCE_LABEL,
  MAIN_SOURCE_KEY,
  LAYOUTS,
  SourceId,
  sourceId,
  sharedSourceId,
  sourceOwner,
  sourceKey,
  sourceTrackName,
  parseSourceTrackName,
} from './sources.ts';
export type { Layout } from './sources.ts';

export { OverlayState, annotationKey, isOnPicture, isOnSource, isMainSource, MAX_ANNOTATIONS, MAX_ANNOTATIONS_PER_AUTHOR } from './overlay.ts';
export type { Annotation, StrokeAnnotation, ShapeAnnotation, TextAnnotation, FreezeState, SharedImage } from './overlay.ts';

export { contentRect, toNormalised, toPixels } from './frame.ts';
export type { Rect } from './frame.ts';

export { DROP_REASONS, MAX_OP_CLOCK_SKEW_MS, parseOpPacket, outdatedSide, roleOf, SenderRateLimit, DropCounter } from './receive.ts';

export { fromOwnOrigin } from './request-origin.ts';

export { snapshotOpsToApply, holdsOverlay, OverlayRequest, RESYNC_REPEAT_MS } from './snapshot.ts';
export type { SnapshotContext, SnapshotSender } from './snapshot.ts';
export type { DropReason, Sender, Received } from './receive.ts';

export {
  CASE_FILES,
  CASE_FILE_NAMES,
  CASE_FILE_TYPES,
  SOURCE_VIDEO_FILE,
  sourceVideoFile,
  caseMediaType,
  recordingFolder,
  recordingFiles,
  caseMediaUrl,
  stillFile,
  stillUrl,
} from './case-media.ts';
export type { CaseFile, CaseMediaFile, SourceVideoFile } from './case-media.ts';

export { CASE_TRACK_VERSION, CaseTrack, CaseSource, TrackEvent, Gap, GAP_KINDS, stillMoments, vitalsMoments } from './case-track.ts';
export type { VitalsMoment } from './case-track.ts';

export { EXAM_TYPES, Words, ScanView, ScanProtocol, BUILT_IN_PROTOCOLS, ProtocolBody, StoredProtocol, ProtocolList } from './scan-protocols.ts';
export {
  REFERENCE_IMAGE_TYPES,
  MAX_REFERENCE_IMAGE_BYTES,
  REFERENCE_IMAGE_SIDE,
  ReferenceImageId,
  ReferenceImage,
  referenceImageUrl,
} from './scan-protocols.ts';
export {
  EXAM_STATUSES,
  EXAM_START_ROLES,
  CAPTURE_ROLES,
  REVIEW_ROLES,
  STILL_TYPE,
  MAX_STILL_BYTES,
  MAX_STILL_PIXELS,
  STILL_KINDS,
  VERDICTS,
  RETAKE_REASONS,
  QUALITY_SCORES,
  DIAGNOSTIC_SCORE,
  PACS_STATES,
  ExamPatient,
  StartExamBody,
  VerdictBody,
  SignExamBody,
  Still,
  Exam,
  ExamList,
  ExamNotice,
  CaseStill,
  CaseStills,
  ExamReport,
  ReportView,
  StillDrawings,
  MAX_STILL_DRAWING_OPS,
  checklist,
  acceptsCapture,
} from './exams.ts';
export type { ExamStatus, StillKind, Verdict, RetakeReason, PacsState, ViewProgress, Checklist } from './exams.ts';
export { SITE_KINDS, DicomwebUrl, isMetadataHost, Site, SiteBody, SiteEdit, SiteList } from './sites.ts';
export type { SiteKind } from './sites.ts';
export { PACS_QUEUE_ROLES, PACS_RETRY_ROLES, PACS_QUEUE_LIMIT, PacsQueueQuery, PacsQueueItem, PacsQueue } from './pacs.ts';
export type { ExamType, ReferenceImageType } from './scan-protocols.ts';
export { QC_BUCKETS, TURNAROUND_BOUNDS_S, QcQuery, QcFigures, QcViewFigures, QcSpread, QcStats } from './qc.ts';
export type { QcBucket } from './qc.ts';
export {
  VITALS_VERSION,
  VITAL_PARAMETERS,
  VITAL_UNITS,
  VITALS_ROLES,
  VITALS_STALE_MS,
  VITALS_HISTORY_MS,
  DEFAULT_VITALS_LIMITS,
  DEMO_MONITOR_BED,
  DeviceId,
  VitalSample,
  VitalValues,
  VitalsPacket,
  VitalLimit,
  VitalsLimits,
  BindVitalsBody,
  SessionVitals,
  outOfLimits,
} from './vitals.ts';
export type { VitalParameter } from './vitals.ts';

export { SharedEnv, S3_ENV_KEYS, s3Settings, parseEnv, envInteger, envNumber, envFlag, envUrl, envSecret, configOrExit } from './env.ts';
export type { S3Settings } from './env.ts';

export { MAX_BODY_BYTES, LARGEST_BODY_BYTES, maxBodyBytes, isStillUpload, isReferenceImageUpload } from './body-limits.ts';
export {
  PATIENT_VERSION,
  PATIENT_SEXES,
  PatientBanner,
  SessionPatient,
  PatientNotice,
  DicomUid,
  PriorStudy,
  PriorSeries,
  PriorStudies,
  PriorSeriesList,
  PriorInstances,
  WINDOW_PRESETS,
  WINDOW_PRESET_NAMES,
  RenderedQuery,
  PRIORS_TIMEOUT_MS,
} from './patient.ts';
export type { WindowPreset } from './patient.ts';
