package activities

// Results and records not in types.go (added by the activities helper).

// RecopyResult is the outcome of re-copying mismatching keys: the same
// shape as a batch's result (the manifest is recopy-NNNNN.json).
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
}

// Problem is one key that failed a check, and why.
type Problem struct {
	Key     string `json:"key"`
	Problem string `json:"problem"`
}

// FinalVerifyRecord is final-verify.json: the proof, or refusal, of
// cutover.
type FinalVerifyRecord struct {
	MigrationID string            `json:"migrationId"`
	ShardID     string            `json:"shardId"`
	Prefix      string            `json:"prefix"`
	FrozenAt    string            `json:"frozenAt"`
	Result      FinalVerifyResult `json:"result"`
	Problems    []Problem         `json:"problems,omitempty"`
	KeptDeleted []string          `json:"keptDeleted,omitempty"`
}

// PurgeRecord is purge.json: every key and version deleted, per copy.
type PurgeRecord struct {
	MigrationID string       `json:"migrationId"`
	ShardID     string       `json:"shardId"`
	Prefix      string       `json:"prefix"`
	Copies      []PurgedCopy `json:"copies"`
}

// PurgedCopy lists what was deleted from one source copy.
type PurgedCopy struct {
	Name    string          `json:"name"`
	Store   string          `json:"store"`
	Deleted []DeletedObject `json:"deleted"`
}

// DeletedObject is one deleted key (and version, in versioned buckets).
type DeletedObject struct {
	Key          string `json:"key"`
	VersionID    string `json:"versionId,omitempty"`
	DeleteMarker bool   `json:"deleteMarker,omitempty"`
}
