package plan

import (
	"time"

	"github.com/ocimove/ocimove/internal/routing/pgroute"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// Example returns the public example plan: US user data leaving AWS
// us-east-1 (the primary, with a backup copy in Singapore,
// ap-southeast-1) for OCI us-ashburn-1, with us-ashburn-1 and us-phoenix-1
// allowed, sixteen shards users/00/ … users/0f/, automatic approval, and a
// PostgreSQL shard map as the routing target, its DSN in the worker's
// OCIMOVE_ROUTING_DSN. Fields left out take their defaults (Normalize).
// Each call returns a new value.
func Example() *Plan {
	return &Plan{
		ID:   "us-users-to-oci",
		Name: "US user data: AWS us-east-1 to OCI us-ashburn-1",
		Sources: Sources{
			Primary: PrimarySource{
				Location: At(&s3store.Settings{Bucket: "acme-users-us", Region: "us-east-1"}),
				Filters:  Filters{Exclude: []string{"**/*.tmp"}},
			},
			Copies: []SourceCopy{{
				Name:     "backup-singapore",
				Role:     RoleBackup,
				Location: At(&s3store.Settings{Bucket: "acme-users-backup-sg", Region: "ap-southeast-1"}),
			}},
		},
		Destination: Destination{
			Location: At(&ocistore.Settings{
				Namespace:   "acme",
				Region:      "us-ashburn-1",
				Bucket:      "users",
				Auth:        ocistore.Auth{Method: ocistore.AuthConfigFile, Profile: "DEFAULT"},
				StorageTier: "Standard",
			}),
		},
		Shards:    Shards{Generator: "users/{00..0f}/"},
		BatchSize: ptr(1000),
		Window:    ptr(8),
		Limits: Limits{
			BytesPerSecond:    200 << 20,
			RequestsPerSecond: 500,
			Concurrency:       16,
			PartSize:          16 << 20,
		},
		Verification: Verification{Mode: VerifyQuick},
		Delta:        DeltaPolicy{MaxRounds: 5, Threshold: ptr(100), Deletes: DeletesDelete},
		Freeze: Freeze{
			Drain:       DrainWait,
			DrainWait:   Duration(30 * time.Second),
			MaxDuration: Duration(15 * time.Minute),
		},
		Cutover: Cutover{
			Target:   Target{Settings: &pgroute.Settings{DSNRef: "env:OCIMOVE_ROUTING_DSN"}},
			Approval: ApprovalAuto,
		},
		Residency: Residency{AllowedRegions: []string{"us-ashburn-1", "us-phoenix-1"}},
		Soak:      Soak{Retention: Duration(7 * 24 * time.Hour)},
		Purge:     Purge{Enabled: true},
	}
}
