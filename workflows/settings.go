package workflows

import (
	"fmt"
	"time"

	"github.com/ocimove/ocimove/internal/plan"
)

// ShardSettings are the parts of a plan that drive a shard's lifecycle,
// copied from the normalized plan when the migration starts, so that
// workflow code never reads the plan file.
type ShardSettings struct {
	BatchSize      int           `json:"batchSize"`
	VerifyMode     string        `json:"verifyMode"` // "quick" or "full"
	MaxRecopies    int           `json:"maxRecopies"`
	DeltaMaxRounds int           `json:"deltaMaxRounds"`
	DeltaThreshold int           `json:"deltaThreshold"`
	DrainMode      string        `json:"drainMode"` // "wait" or "ack"
	DrainWait      time.Duration `json:"drainWait"`
	FreezeMax      time.Duration `json:"freezeMax"`
	Approval       string        `json:"approval"` // "auto" or "manual"
	SoakRetention  time.Duration `json:"soakRetention"`
	PurgeEnabled   bool          `json:"purgeEnabled"`
	// BytesPerSecond and RequestsPerSecond are the copy rates (per worker;
	// 0 = unlimited), and Concurrency the objects in flight per batch (0:
	// the plan's), changeable live with UpdateSetRateLimits.
	BytesPerSecond    float64 `json:"bytesPerSecond,omitempty"`
	RequestsPerSecond float64 `json:"requestsPerSecond,omitempty"`
	Concurrency       int     `json:"concurrency,omitempty"`
	// ShardTuned: the shard's limits were set on the shard itself; they are
	// its own until a migration-wide change.
	ShardTuned bool `json:"shardTuned,omitempty"`
	// StartAt is the plan's start time, fixed once, for age filters.
	StartAt time.Time `json:"startAt"`
	// SourceLocation and DestinationLocation prefix the shard's prefix to
	// name the store serving it in routing changes, e.g. "s3://bucket/"
	// and "oci://namespace/bucket/". Empty leaves the location to the
	// routing activity.
	SourceLocation      string `json:"sourceLocation,omitempty"`
	DestinationLocation string `json:"destinationLocation,omitempty"`
}

// SettingsFromPlan copies the lifecycle settings of p, which must be
// normalized, with startAt as the migration's fixed start time.
func SettingsFromPlan(p *plan.Plan, startAt time.Time) ShardSettings {
	threshold := plan.DefaultThreshold
	if p.Delta.Threshold != nil {
		threshold = *p.Delta.Threshold
	}
	return ShardSettings{
		BatchSize:           p.EffectiveBatchSize(),
		VerifyMode:          string(p.Verification.Mode),
		MaxRecopies:         p.Verification.MaxRecopies,
		DeltaMaxRounds:      p.Delta.MaxRounds,
		DeltaThreshold:      threshold,
		DrainMode:           string(p.Freeze.Drain),
		DrainWait:           p.Freeze.DrainWait.D(),
		FreezeMax:           p.Freeze.MaxDuration.D(),
		Approval:            string(p.Cutover.Approval),
		SoakRetention:       p.Soak.Retention.D(),
		PurgeEnabled:        p.Purge.Enabled,
		BytesPerSecond:      float64(p.Limits.BytesPerSecond),
		RequestsPerSecond:   p.Limits.RequestsPerSecond,
		Concurrency:         p.Limits.Concurrency,
		StartAt:             startAt.UTC(),
		SourceLocation:      p.Sources.Primary.Place().URL() + "/",
		DestinationLocation: p.Destination.Place().URL() + "/",
	}
}

// Check reports the first setting a shard cannot run with, naming it.
// Workflows call it on their input, so a bad start fails at once with a
// clear message instead of looping.
func (s ShardSettings) Check() error {
	switch {
	case s.BatchSize < 1 || s.BatchSize > plan.MaxBatchSize:
		return fmt.Errorf("settings.batchSize %d is outside 1..%d", s.BatchSize, plan.MaxBatchSize)
	case s.VerifyMode != string(plan.VerifyQuick) && s.VerifyMode != string(plan.VerifyFull):
		return fmt.Errorf("settings.verifyMode %q is not quick or full", s.VerifyMode)
	case s.MaxRecopies < 0:
		return fmt.Errorf("settings.maxRecopies %d is negative", s.MaxRecopies)
	case s.DeltaMaxRounds < 1:
		return fmt.Errorf("settings.deltaMaxRounds %d must be at least 1", s.DeltaMaxRounds)
	case s.DeltaThreshold < 0:
		return fmt.Errorf("settings.deltaThreshold %d is negative", s.DeltaThreshold)
	case s.DrainMode != string(plan.DrainWait) && s.DrainMode != string(plan.DrainAck):
		return fmt.Errorf("settings.drainMode %q is not wait or ack", s.DrainMode)
	case s.DrainWait < 0:
		return fmt.Errorf("settings.drainWait %s is negative", s.DrainWait)
	case s.FreezeMax <= s.DrainWait:
		return fmt.Errorf("settings.freezeMax %s must exceed drainWait %s", s.FreezeMax, s.DrainWait)
	case s.Approval != string(plan.ApprovalAuto) && s.Approval != string(plan.ApprovalManual):
		return fmt.Errorf("settings.approval %q is not auto or manual", s.Approval)
	case s.SoakRetention < 0:
		return fmt.Errorf("settings.soakRetention %s is negative", s.SoakRetention)
	}
	return nil
}
