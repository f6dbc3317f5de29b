package manifest

// Records are what the verification, the reverse sync and the purge store
// beside the manifests: the evidence the report and the signed bundle are
// built from. They are written and read only through this package's
// types, so that a record's shape has one definition.

// FinalVerifyCounts are the counts of a final verification, as its record
// keeps them.
type FinalVerifyCounts struct {
	OK            bool  `json:"ok"`
	Objects       int64 `json:"objects"`
	Missing       int64 `json:"missing"`
	Extra         int64 `json:"extra"`
	Mismatched    int64 `json:"mismatched"`
	ModifiedAfter int64 `json:"modifiedAfterFreeze"`
	Repairable    int64 `json:"repairable,omitempty"`
}

// ReverseSyncCounts are the counts of a reverse sync, as its record keeps
// them.
type ReverseSyncCounts struct {
	Copied   int64 `json:"copied"`
	Verified int64 `json:"verified"`
	Failed   int64 `json:"failed"`
	Deleted  int64 `json:"deleted"`
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
	Result           FinalVerifyCounts `json:"result"`
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
	Result      ReverseSyncCounts `json:"result"`
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
