package bench

import (
	"fmt"
	"strings"
)

// Set is one benchmark data set and the engine settings it runs with.
type Set struct {
	// Name is "small" or "large".
	Name string
	// Count objects of Size bytes each are seeded.
	Count int
	Size  int64
	// Engine settings; rclone's flags are derived from them.
	Concurrency     int
	PartSize        int64
	PartConcurrency int
	PoolBytes       int64
	// Target is the minimum engine/rclone throughput ratio.
	Target float64
}

// Objects/s is the small set's unit; MB/s (10^6 bytes) the large set's.
func (s Set) usesObjectRate() bool { return s.Name == "small" }

// Default sets: many small objects (objects/s) and a few large ones (MB/s),
// with the engine settings tuned on
// a 2-core machine (see docs/BENCHMARKS.md).
var (
	SmallSet = Set{Name: "small", Count: 10000, Size: 16 << 10,
		Concurrency: 32, PartSize: 16 << 20, PartConcurrency: 4, PoolBytes: 64 << 20, Target: 1.5}
	LargeSet = Set{Name: "large", Count: 4, Size: 512 << 20,
		Concurrency: 4, PartSize: 16 << 20, PartConcurrency: 4, PoolBytes: 384 << 20, Target: 1.0}
)

// Overrides replace a set's engine settings where non-zero.
type Overrides struct {
	Count           int
	Concurrency     int
	PartSize        int64
	PartConcurrency int
	PoolBytes       int64
}

// Apply returns s with the non-zero overrides applied.
func (o Overrides) Apply(s Set) Set {
	if o.Count > 0 {
		s.Count = o.Count
	}
	if o.Concurrency > 0 {
		s.Concurrency = o.Concurrency
	}
	if o.PartSize > 0 {
		s.PartSize = o.PartSize
	}
	if o.PartConcurrency > 0 {
		s.PartConcurrency = o.PartConcurrency
	}
	if o.PoolBytes > 0 {
		s.PoolBytes = o.PoolBytes
	}
	return s
}

// ParseSets turns "small", "large" or "all" into sets.
func ParseSets(name string) ([]Set, error) {
	switch strings.ToLower(name) {
	case "small":
		return []Set{SmallSet}, nil
	case "large":
		return []Set{LargeSet}, nil
	case "all":
		return []Set{SmallSet, LargeSet}, nil
	}
	return nil, fmt.Errorf("unknown set %q: use small, large or all", name)
}

// key is the name of object i of the set: object i is in shard
// i mod ProductShards of the product run's plan.
func (s Set) key(i int) string {
	return fmt.Sprintf("%s%05d.bin", s.shardPrefix(i%ProductShards), i)
}
