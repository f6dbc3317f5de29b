package activities

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/routing/pgroute"
	"github.com/ocimove/ocimove/internal/routing/webhook"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// PlanStores is the worker's StoreResolver: it opens the plan's buckets
// through the real SDKs with the worker's credentials (the default AWS
// chain or the plan's profile; the OCI config file and profile), and
// resolves passphrase references on the worker.
type PlanStores struct {
	// Lookup resolves env: and profile: references (default os.LookupEnv).
	Lookup func(string) (string, bool)
}

// Stores implements StoreResolver.
func (r PlanStores) Stores(ctx context.Context, p *plan.Plan) (Stores, error) {
	var out Stores
	var err error
	if out.Source, err = openS3(ctx, p.Sources.Primary.S3Bucket); err != nil {
		return Stores{}, fmt.Errorf("sources.primary: %w", err)
	}
	dst, insp, err := r.openOCI(ctx, p.Destination.OCIBucket, p.Destination.StorageTier)
	if err != nil {
		return Stores{}, fmt.Errorf("destination: %w", err)
	}
	out.Destination, out.DestinationInspector = dst, insp
	out.Manifest = dst
	if mb := p.Destination.ManifestBucket; mb != "" && mb != p.Destination.Bucket {
		b := p.Destination.OCIBucket
		b.Bucket = mb
		if out.Manifest, _, err = r.openOCI(ctx, b, ""); err != nil {
			return Stores{}, fmt.Errorf("destination.manifestBucket: %w", err)
		}
	}
	for i, c := range p.Sources.Copies {
		ns := NamedStore{Name: c.Name}
		switch {
		case c.S3 != nil:
			ns.Store, err = openS3(ctx, *c.S3)
		case c.OCI != nil:
			ns.Store, ns.Inspector, err = r.openOCI(ctx, *c.OCI, "")
		default:
			err = fmt.Errorf("neither s3 nor oci is set")
		}
		if err != nil {
			return Stores{}, fmt.Errorf("sources.copies[%d] (%s): %w", i, c.Name, err)
		}
		out.Copies = append(out.Copies, ns)
	}
	return out, nil
}

func openS3(ctx context.Context, b plan.S3Bucket) (*s3store.Store, error) {
	return s3store.New(ctx, s3store.Config{Bucket: b.Bucket, Region: b.Region, Profile: b.Profile,
		Endpoint: b.Endpoint, UsePathStyle: b.UsePathStyle})
}

func (r PlanStores) openOCI(ctx context.Context, b plan.OCIBucket, tier string) (*ocistore.Store, Inspector, error) {
	cfg := ocistore.Config{Namespace: b.Namespace, Bucket: b.Bucket, Region: b.Region, Endpoint: b.Endpoint,
		Auth: string(b.Auth.Method), ConfigFile: b.Auth.ConfigFile, Profile: b.Auth.Profile, StorageTier: tier}
	if ref := b.Auth.PassphraseRef; !ref.IsZero() {
		scheme, name, err := ref.Parse()
		if err != nil {
			return nil, nil, fmt.Errorf("auth.passphraseRef: %w", err)
		}
		if scheme != plan.SchemeEnv {
			return nil, nil, fmt.Errorf("auth.passphraseRef: only env: references are supported for OCI key passphrases")
		}
		cfg.PassphraseEnv = name
	}
	st, err := ocistore.New(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	insp, err := NewOCIInspector(cfg, st.Namespace())
	if err != nil {
		return nil, nil, err
	}
	if insp == nil {
		return st, nil, nil // auth without a config file: not inspected
	}
	return st, insp, nil
}

// PlanRouting is the worker's RoutingResolver: it opens the plan's
// cutover target, resolving its secret references on the worker, once per
// migration.
type PlanRouting struct {
	// Lookup resolves env: and profile: references (default os.LookupEnv).
	Lookup func(string) (string, bool)

	mu      sync.Mutex
	targets map[string]routing.Target
}

// Target implements RoutingResolver.
func (r *PlanRouting) Target(ctx context.Context, p *plan.Plan) (routing.Target, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := p.ID + "/" + p.Fingerprint()
	if t, ok := r.targets[key]; ok {
		return t, nil
	}
	lookup := r.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	tc := p.Cutover.Target
	var t routing.Target
	var err error
	switch tc.Kind {
	case plan.TargetFile:
		t, err = fileroute.New(tc.Path)
	case plan.TargetPostgres:
		var dsn string
		if dsn, err = tc.DSNRef.Resolve(lookup); err != nil {
			return nil, fmt.Errorf("cutover.target.dsnRef: %w", err)
		}
		var pg *pgroute.Target
		if pg, err = pgroute.New(ctx, pgroute.Config{DSN: dsn, Table: tc.Table}); err == nil {
			// Idempotent and safe from several workers at once.
			if err = pg.EnsureSchema(ctx); err != nil {
				pg.Close()
			}
			t = pg
		}
	case plan.TargetWebhook:
		var u, secret string
		if u, err = tc.URLRef.Resolve(lookup); err != nil {
			return nil, fmt.Errorf("cutover.target.urlRef: %w", err)
		}
		if secret, err = tc.SecretRef.Resolve(lookup); err != nil {
			return nil, fmt.Errorf("cutover.target.secretRef: %w", err)
		}
		t, err = webhook.New(webhook.Config{URL: u, Secret: []byte(secret)})
	default:
		return nil, fmt.Errorf("cutover.target.kind %q is not postgres, webhook or file", tc.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("cutover.target (%s): %w", tc.Kind, err)
	}
	if r.targets == nil {
		r.targets = map[string]routing.Target{}
	}
	r.targets[key] = t
	return t, nil
}

var _ store.Regioner = (*ocistore.Store)(nil)
