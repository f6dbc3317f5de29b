package plan

import (
	"github.com/ocimove/ocimove/internal/routing/pgroute"
	"github.com/ocimove/ocimove/internal/routing/webhook"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// primaryS3 returns the S3 settings of p's primary.
func primaryS3(p *Plan) *s3store.Settings { return p.Sources.Primary.Settings.(*s3store.Settings) }

// copyS3 returns the S3 settings of p's copy i.
func copyS3(p *Plan, i int) *s3store.Settings {
	return p.Sources.Copies[i].Settings.(*s3store.Settings)
}

// copyOCI returns the OCI settings of p's copy i.
func copyOCI(p *Plan, i int) *ocistore.Settings {
	return p.Sources.Copies[i].Settings.(*ocistore.Settings)
}

// destOCI returns the OCI settings of p's destination.
func destOCI(p *Plan) *ocistore.Settings { return p.Destination.Settings.(*ocistore.Settings) }

// targetPG returns the PostgreSQL settings of p's routing target.
func targetPG(p *Plan) *pgroute.Settings { return p.Cutover.Target.Settings.(*pgroute.Settings) }

// targetHook returns the webhook settings of p's routing target.
func targetHook(p *Plan) *webhook.Settings { return p.Cutover.Target.Settings.(*webhook.Settings) }
