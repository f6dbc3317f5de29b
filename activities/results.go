package activities

// Results and records not in types.go (added by the activities helper).

// RecopyResult is the outcome of re-copying named keys: the same shape as
// a batch's result. Its manifest is recopy-NNNNN-pNNNN.json (ManifestKey
// names the first part), and its Counts are the net change of the
// shard's counts, as DeltaResult's.
type RecopyResult = CopyBatchResult

// AbortUploadsResult counts the multipart uploads a cancel aborted.
type AbortUploadsResult struct {
	Aborted int64 `json:"aborted"`
	// Supported is false when the destination cannot list open uploads;
	// then only uploads known from checkpoints could be aborted (none
	// here), and the bucket's lifecycle rule must clean up.
	Supported bool `json:"supported"`
}

// VerifyRecord is the stored verification record (verify-<mode>.json).
type VerifyRecord struct {
	MigrationID string    `json:"migrationId"`
	ShardID     string    `json:"shardId"`
	Mode        string    `json:"mode"`
	Checked     int64     `json:"checked"`
	Mismatches  int64     `json:"mismatches"`
	Problems    []Problem `json:"problems,omitempty"`
	// ProblemsOmitted counts problems beyond the 1000 kept.
	ProblemsOmitted int64 `json:"problemsOmitted,omitempty"`
}

// Problem is one key that failed a check, and why.
type Problem struct {
	Key     string `json:"key"`
	Problem string `json:"problem"`
}

// FinalVerifyRecord is final-verify.json: the proof, or refusal, of
// cutover. It stays bounded: at most 1000 problems (ProblemsOmitted
// counts the others) and 1000 kept deletions (KeptDeletedCount counts
// them all).
type FinalVerifyRecord struct {
	MigrationID      string            `json:"migrationId"`
	ShardID          string            `json:"shardId"`
	Prefix           string            `json:"prefix"`
	FrozenAt         string            `json:"frozenAt"`
	Result           FinalVerifyResult `json:"result"`
	Problems         []Problem         `json:"problems,omitempty"`
	ProblemsOmitted  int64             `json:"problemsOmitted,omitempty"`
	KeptDeleted      []string          `json:"keptDeleted,omitempty"`
	KeptDeletedCount int64             `json:"keptDeletedCount,omitempty"`
}

// ReverseSyncRecord is reverse-sync.json: a rollback's reverse sync. Its
// per-object records (copies back, with their outcome, and deletions
// replayed, marked) are the Parts parts reverse-sync-pNNNN.json, each a
// manifest of kind "reverse-sync".
type ReverseSyncRecord struct {
	MigrationID string            `json:"migrationId"`
	ShardID     string            `json:"shardId"`
	Prefix      string            `json:"prefix"`
	CutoverAt   string            `json:"cutoverAt"`
	Result      ReverseSyncResult `json:"result"`
	Parts       int               `json:"parts"`
}

// PurgeRecord is purge.json: what was deleted, per copy. The keys and
// versions themselves are in the Parts parts purge-pNNNN.json (PurgePart),
// written as the purge proceeds.
type PurgeRecord struct {
	MigrationID string       `json:"migrationId"`
	ShardID     string       `json:"shardId"`
	Prefix      string       `json:"prefix"`
	Copies      []PurgedCopy `json:"copies"`
	Parts       int          `json:"parts,omitempty"`
}

// PurgedCopy counts what was deleted from one source copy. Deleted lists
// the objects in a PurgePart (and in records of older versions).
type PurgedCopy struct {
	Name          string          `json:"name"`
	Store         string          `json:"store"`
	Objects       int64           `json:"objects,omitempty"`
	Versions      int64           `json:"versions,omitempty"`
	DeleteMarkers int64           `json:"deleteMarkers,omitempty"`
	Deleted       []DeletedObject `json:"deleted,omitempty"`
}

// PurgePart is one part of a purge record: objects deleted from one
// source copy, in the order they were deleted.
type PurgePart struct {
	Copy    string          `json:"copy"`
	Store   string          `json:"store"`
	Deleted []DeletedObject `json:"deleted"`
}

// DeletedObject is one deleted key (and version, in versioned buckets).
type DeletedObject struct {
	Key          string `json:"key"`
	VersionID    string `json:"versionId,omitempty"`
	DeleteMarker bool   `json:"deleteMarker,omitempty"`
}
