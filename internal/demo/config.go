package demo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Defaults of Config.
const (
	DefaultDir              = ".ocimove-demo"
	DefaultShards           = 8
	DefaultObjects          = 3000
	DefaultLargeObjectBytes = 40 << 20
	DefaultPartSize         = 16 << 20
	// MinPartSize is OCI Object Storage's smallest multipart part.
	MinPartSize = 10 << 20
	// MaxShards bounds Shards: shard prefixes are two hex digits.
	MaxShards = 256
)

// Config says where the demo keeps its state and how big it is. Sizes
// apply when the state directory is new; a resumed demo keeps the sizes it
// was seeded with.
type Config struct {
	// Dir is the state directory. Default ".ocimove-demo".
	Dir string
	// Fresh deletes Dir before starting.
	Fresh bool
	// Shards is the number of shards, users/00/ … Default 8.
	Shards int
	// Objects is the number of small objects (1–8 KiB profiles and
	// avatars) spread over the shards. Default 3,000.
	Objects int
	// LargeObjectBytes is the size of the one large object, in the first
	// shard, above the multipart threshold. Default 40 MiB; negative: none.
	LargeObjectBytes int64
	// PartSize is the worker's multipart part size. Default 16 MiB; at
	// least 10 MiB (OCI's minimum).
	PartSize int64
	// Out receives the progress and the summary. Default os.Stdout.
	Out io.Writer
	// Redraw redraws the progress in place with ANSI escapes (for a
	// terminal); otherwise a plain line is printed every Interval.
	Redraw bool
	// Interval is the progress refresh period. Default 1s when Redraw,
	// otherwise 5s.
	Interval time.Duration
	// Timeout bounds the wait for every shard to reach its cutover; 0
	// waits until ctx ends.
	Timeout time.Duration
}

// ErrConfig marks a Config that cannot run (a bad flag value).
var ErrConfig = errors.New("demo: bad configuration")

// withDefaults fills in defaults and checks cfg, naming the field at fault.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Dir == "" {
		cfg.Dir = DefaultDir
	}
	if cfg.Shards == 0 {
		cfg.Shards = DefaultShards
	}
	if cfg.Objects == 0 {
		cfg.Objects = DefaultObjects
	}
	if cfg.LargeObjectBytes == 0 {
		cfg.LargeObjectBytes = DefaultLargeObjectBytes
	}
	if cfg.LargeObjectBytes < 0 {
		cfg.LargeObjectBytes = 0
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
		if cfg.Redraw {
			cfg.Interval = time.Second
		}
	}
	if err := cfg.check(); err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return cfg, nil
}

// check names the first field cfg cannot run with.
func (cfg Config) check() error {
	switch {
	case cfg.Shards < 1 || cfg.Shards > MaxShards:
		return fmt.Errorf("--shards %d is out of range; use 1 to %d", cfg.Shards, MaxShards)
	case cfg.Objects < 1:
		return fmt.Errorf("--objects %d is too small; use at least 1", cfg.Objects)
	case cfg.Objects > 1_000_000:
		return fmt.Errorf("--objects %d is too large for a demo; use at most 1,000,000", cfg.Objects)
	case cfg.PartSize < MinPartSize:
		return fmt.Errorf("part size %d is below OCI's minimum of %d bytes (10 MiB)", cfg.PartSize, MinPartSize)
	case cfg.LargeObjectBytes > 1<<30:
		return fmt.Errorf("large object of %d bytes is too large for a demo; use at most 1 GiB", cfg.LargeObjectBytes)
	}
	return nil
}
