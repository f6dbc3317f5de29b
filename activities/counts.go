package activities

import (
	"github.com/ocimove/ocimove/internal/engine"
)

// maxFailedKeys bounds CopyBatchResult.FailedKeys.
const maxFailedKeys = 20

// maxProblemKeys bounds the key lists of verification results.
const maxProblemKeys = 100

// add counts one record.
func (c *Counts) add(r engine.Result) {
	c.Objects++
	c.Bytes += r.Size
	c.BytesSent += r.BytesSent
	switch r.Outcome {
	case engine.Copied:
		c.Copied++
	case engine.Skipped:
		c.Skipped++
	case engine.Excluded:
		c.Excluded++
	case engine.SourceGone:
		c.SourceGone++
	case engine.UnsupportedName:
		c.UnsupportedName++
	case engine.Archived:
		c.Archived++
	case engine.Failed:
		c.Failed++
	}
	if r.SourceCheck == engine.SourceCheckNone {
		c.SourceUnchecked++
	}
}

// Add returns the sum of c and o.
func (c Counts) Add(o Counts) Counts {
	return Counts{
		Objects: c.Objects + o.Objects, Bytes: c.Bytes + o.Bytes, Copied: c.Copied + o.Copied,
		Skipped: c.Skipped + o.Skipped, Excluded: c.Excluded + o.Excluded, SourceGone: c.SourceGone + o.SourceGone,
		UnsupportedName: c.UnsupportedName + o.UnsupportedName, Archived: c.Archived + o.Archived,
		Failed: c.Failed + o.Failed, BytesSent: c.BytesSent + o.BytesSent, BytesResent: c.BytesResent + o.BytesResent,
		SourceUnchecked: c.SourceUnchecked + o.SourceUnchecked,
	}
}

func appendLimited(keys []string, key string, limit int) []string {
	if len(keys) < limit {
		return append(keys, key)
	}
	return keys
}
