package cli

import (
	"time"

	"github.com/dustin/go-humanize"
)

// humanBytes formats n in IEC units ("1.5 MiB").
func humanBytes(n int64) string {
	if n < 0 {
		n = 0
	}
	return humanize.IBytes(uint64(n))
}

// roundDuration rounds d for display: seconds under an hour, minutes above.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d <= 0:
		return 0
	case d < time.Second:
		return d.Round(time.Millisecond)
	case d < time.Hour:
		return d.Round(time.Second)
	}
	return d.Round(time.Minute)
}
