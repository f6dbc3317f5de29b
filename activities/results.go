package activities

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
