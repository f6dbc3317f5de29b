package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/evidence"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/progress"
	"github.com/ocimove/ocimove/internal/report"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/workflows"
)

// Names of what report writes into its output directory.
const (
	reportJSONName  = "report.json"
	reportMDName    = "report.md"
	evidenceDirName = "evidence"
	// evidencePubName is the public key written beside the bundle when the
	// private key has no KEY.pub next to it.
	evidencePubName = "evidence-key.pub"
)

// reportFlags are the report command's flags.
type reportFlags struct {
	out         string
	evidence    bool
	key         string
	generateKey string
	// The operator's own credentials for the manifest store; "" keeps the
	// plan's reference.
	ociAuth, ociConfigFile, ociProfile string
	// objects lists the objects of shard (every shard when "") instead
	// of writing the report.
	objects bool
	shard   string
}

func (a *app) reportCommand() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report MIGRATION_ID",
		Short: "Write a migration's report (JSON and Markdown) and, with --evidence, its signed evidence bundle",
		Long: `report writes the migration report into --out DIR (default ./<migration>-report/):
report.json and report.md, per shard: object counts by outcome and bytes, how each
object was verified, mismatches, failed and source-gone objects with reasons,
timings, routing changes and operator actions (who, what, when, why).

With --evidence --key PRIVATE_KEY_FILE it also writes the evidence bundle into
<out>/evidence/: per shard the manifests, the verification results, the routing
changes, the purge record and the regions, signed with the operator's ed25519
key. The bundle is verified against the matching public key before report ends;
anyone can check it later, offline, with
  starter verify-evidence <out>/evidence --pubkey KEY.pub
--generate-key PATH creates a key pair (PATH, mode 0600, and PATH.pub) for
operators who have none; without MIGRATION_ID it only creates the keys.

Per shard the report links to its manifests (the keys of its batch and round
manifests and of its records, with their parts) and counts its objects by
how their source read was checked (etag-md5, checksum-crc64nvme, none, …) and
by verification (quick, full, final: ok, mismatch, missing). The per-object
view stays in the manifests; --objects prints it, streaming, one line per
object (tab-separated, or JSON Lines with -o json): key, size, outcome, source
check, destination check, SHA-256, and the findings of the verification
records; --shard SHARD limits it to one shard.

The plan, the shards' states, counts and transitions come from the migration's
workflows (a worker on the task queue answers the queries). The manifests are
read directly from the manifest store (destination.manifestBucket, else the
destination bucket) with YOUR OCI credentials, resolved locally from the plan's
auth references (config file and profile; a passphrase from the environment
variable the plan names), or from --oci-config-file/--oci-profile/--oci-auth.
report is the one starter command that reads object storage: it needs only
"read objects" (OBJECT_INSPECT, OBJECT_READ) on the manifest bucket, and it never
writes there.`,
		Example: `  starter report users-2026 --out ./users-2026-report
  starter report users-2026 --shard users-00-1a2b --objects
  starter report users-2026 --objects -o json | jq 'select(.sourceCheck == "none") | .key'
  starter report --generate-key ~/.ocimove/evidence.key
  starter report users-2026 --evidence --key ~/.ocimove/evidence.key --oci-profile REPORTS
  starter verify-evidence ./users-2026-report/evidence --pubkey ~/.ocimove/evidence.key.pub`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && f.generateKey != "" {
				return nil // only create the keys
			}
			return exactArgs("MIGRATION_ID")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runReport(cmd.Context(), f, args)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.out, "out", "", "directory to write report.json, report.md and evidence/ into (default ./<migration>-report)")
	fs.BoolVar(&f.evidence, "evidence", false, "also write the signed evidence bundle into <out>/evidence (needs --key or --generate-key)")
	fs.StringVar(&f.key, "key", "", "ed25519 private key file to sign the evidence with (PEM PKCS #8, raw 32-byte seed or 64 hex digits); implies --evidence")
	fs.StringVar(&f.generateKey, "generate-key", "", "create a new ed25519 key pair at PATH and PATH.pub (refuses to overwrite); with MIGRATION_ID, sign the evidence with it")
	fs.StringVar(&f.ociAuth, "oci-auth", "", "how to authenticate to the manifest store: config_file, instance_principal or resource_principal (default: the plan's)")
	fs.StringVar(&f.ociConfigFile, "oci-config-file", "", "your OCI config file for the manifest store (default: the plan's destination.auth.configFile)")
	fs.StringVar(&f.ociProfile, "oci-profile", "", "profile of the OCI config file (default: the plan's destination.auth.profile)")
	fs.BoolVar(&f.objects, "objects", false, "list every object of the manifests, one per line, with how it was checked, instead of writing the report")
	fs.StringVar(&f.shard, "shard", "", "with --objects: list this shard's objects (id or prefix) only")
	a.outputFlag(cmd)
	return cmd
}

// reportResult is the -o json document of report: what it wrote.
type reportResult struct {
	// MigrationID is "" when report only created a key pair.
	MigrationID string `json:"migrationId,omitempty"`
	State       string `json:"state,omitempty"`
	Shards      int    `json:"shards"`
	Objects     int64  `json:"objects"`
	Bytes       int64  `json:"bytes"`
	// Files are the report's files.
	Files *reportFiles `json:"files,omitempty"`
	// Evidence is the signed, verified bundle (with --evidence).
	Evidence *evidenceResult `json:"evidence,omitempty"`
	// GeneratedKey is the key pair --generate-key created.
	GeneratedKey *generatedKey `json:"generatedKey,omitempty"`
}

type reportFiles struct {
	JSON     string `json:"json"`
	Markdown string `json:"markdown"`
}

type evidenceResult struct {
	Dir       string `json:"dir"`
	KeyID     string `json:"keyId"`
	PublicKey string `json:"publicKey"`
	Verified  bool   `json:"verified"`
	// VerifyCommand checks the bundle offline.
	VerifyCommand string `json:"verifyCommand"`
}

type generatedKey struct {
	PrivateKey string `json:"privateKey"`
	PublicKey  string `json:"publicKey"`
	KeyID      string `json:"keyId"`
}

// runReport is the report command.
func (a *app) runReport(ctx context.Context, f reportFlags, args []string) error {
	if err := checkReportFlags(f); err != nil {
		return err
	}
	var res reportResult
	if f.generateKey != "" {
		k, err := a.generateKey(f.generateKey)
		if err != nil {
			return err
		}
		res.GeneratedKey = k
		if len(args) == 0 {
			return a.emit(res, func(io.Writer) {})
		}
		f.key = f.generateKey
	}
	if f.key != "" {
		f.evidence = true
	}
	if f.evidence && f.key == "" {
		return usageErrorf("--evidence needs --key PRIVATE_KEY_FILE to sign the bundle (or --generate-key PATH to create one)")
	}
	var signer *signingKey
	if f.evidence {
		var err error
		if signer, err = loadSigningKey(f.key); err != nil {
			return err
		}
	}
	id := args[0]
	out := f.out
	if out == "" {
		out = id + "-report"
	}

	c, err := a.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	m, err := a.migration(ctx, c, id)
	if err != nil {
		return err
	}
	p, err := a.migrationPlan(ctx, c, m)
	if err != nil {
		return err
	}
	if f.objects {
		return a.listObjects(ctx, m, p, f)
	}
	info, shards, err := a.reportInput(ctx, c, m, p)
	if err != nil {
		return err
	}
	ms, bucket, err := a.manifestStore(ctx, p, f, id)
	if err != nil {
		return err
	}
	root := p.Destination.ManifestPrefix
	rep, err := report.Build(ctx, ms, root, info, shards)
	if err != nil {
		return failedf("build the report of migration %s from %s/%s: %v", id, bucketURL(p, bucket), root, err)
	}
	files, err := writeReportFiles(out, rep)
	if err != nil {
		return err
	}
	res.MigrationID, res.State = id, info.State
	res.Shards, res.Objects, res.Bytes = rep.Totals.Shards, rep.Totals.Objects, rep.Totals.Bytes
	res.Files = files
	a.say("Report of migration %s (%s; %d shards, %d objects, %s):\n  %s\n  %s\n",
		id, info.State, rep.Totals.Shards, rep.Totals.Objects, progress.Bytes(rep.Totals.Bytes), files.Markdown, files.JSON)
	if f.evidence {
		src := evidence.BundleSource{Store: ms, Root: root, Migration: info, Shards: shards, Report: rep}
		if res.Evidence, err = a.signEvidence(ctx, filepath.Join(out, evidenceDirName), out, src, signer); err != nil {
			return err
		}
	}
	return a.emit(res, func(io.Writer) {})
}

// checkReportFlags refuses flag combinations the report cannot honour.
func checkReportFlags(f reportFlags) error {
	if f.key != "" && f.generateKey != "" {
		return usageErrorf("give either --key (an existing private key) or --generate-key (a new one), not both")
	}
	if f.shard != "" && !f.objects {
		return usageErrorf("--shard selects the shard whose objects --objects lists; the report itself covers every shard")
	}
	if f.objects && (f.evidence || f.key != "" || f.generateKey != "" || f.out != "") {
		return usageErrorf("--objects lists objects and writes no files; it does not combine with --out, --evidence, --key or --generate-key")
	}
	return nil
}

// generateKey writes a new evidence key pair at path and path.pub.
func (a *app) generateKey(path string) (*generatedKey, error) {
	pub, err := evidence.GenerateKey(path)
	if err != nil {
		return nil, failedf("%v", err)
	}
	a.say("Wrote the private key %s (mode 0600; keep it secret) and the public key %s.pub (key id %s).\n",
		path, path, evidence.KeyID(pub))
	return &generatedKey{PrivateKey: path, PublicKey: path + ".pub", KeyID: evidence.KeyID(pub)}, nil
}

// reportInput gathers what the report says of the migration and its
// shards from Temporal (every shard's status; a shard whose status cannot
// be read fails the report rather than leave it incomplete) and the
// routing target's history where this machine can read it.
func (a *app) reportInput(ctx context.Context, c client.Client, m *migrationInfo, p *plan.Plan) (report.MigrationInfo, []report.ShardInfo, error) {
	v, err := a.fetchStatus(ctx, c, m)
	if err != nil {
		return report.MigrationInfo{}, nil, err
	}
	if len(v.ShardErrors) > 0 {
		var names []string
		for sid, e := range v.ShardErrors {
			names = append(names, sid+": "+e)
		}
		slices.Sort(names)
		return report.MigrationInfo{}, nil, failedf("migration %s: the status of %d shard(s) cannot be read, so the report would be incomplete: %s; "+
			"a worker on task queue %q answers the queries", m.ID, len(names), strings.Join(names, "; "), a.conn.taskQueue)
	}
	info := report.MigrationInfoFromPlan(p)
	info.ID = m.ID
	info.State = string(v.Migration.State)
	info.StartedAt = m.StartTime
	info.Actions = append(info.Actions, v.Migration.Actions...)
	shards := make([]report.ShardInfo, 0, len(v.Shards))
	for _, s := range v.Shards {
		shards = append(shards, report.ShardInfoFrom(s))
	}
	a.addRoutes(ctx, p, shards)
	return info, shards, nil
}

// writeReportFiles writes the report as JSON and markdown into dir, each
// file whole or not at all.
func writeReportFiles(dir string, rep *report.Report) (*reportFiles, error) {
	var js, md bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		return nil, failedf("write the report: %v", err)
	}
	if err := rep.WriteMarkdown(&md); err != nil {
		return nil, failedf("write the report: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, failedf("create the report directory: %v", err)
	}
	files := &reportFiles{JSON: filepath.Join(dir, reportJSONName), Markdown: filepath.Join(dir, reportMDName)}
	if err := writeFileAtomic(files.JSON, js.Bytes()); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(files.Markdown, md.Bytes()); err != nil {
		return nil, err
	}
	return files, nil
}

// signEvidence writes the signed evidence bundle into dir (verified
// before it is reported) and says how to verify it offline.
func (a *app) signEvidence(ctx context.Context, dir, out string, src evidence.BundleSource, signer *signingKey) (*evidenceResult, error) {
	if err := writeEvidence(ctx, dir, src, signer); err != nil {
		return nil, err
	}
	pubPath, err := signer.publicKeyFile(out)
	if err != nil {
		return nil, err
	}
	ev := &evidenceResult{Dir: dir, KeyID: evidence.KeyID(signer.pub), PublicKey: pubPath, Verified: true,
		VerifyCommand: "starter verify-evidence " + dir + " --pubkey " + pubPath}
	a.say("Evidence bundle, signed with key %s and verified: %s\nVerify it offline, with no cloud access:\n  %s\n",
		ev.KeyID, dir, ev.VerifyCommand)
	return ev, nil
}

// manifestStore opens the migration's manifest store with the operator's
// credentials, explaining a failure.
func (a *app) manifestStore(ctx context.Context, p *plan.Plan, f reportFlags, id string) (store.Store, string, error) {
	ms, bucket, err := openManifestStore(ctx, p, f)
	if err != nil {
		cf, prof := ociAuthNames(p)
		return nil, bucket, failedf("cannot open the manifest store %s (%s) to read migration %s's manifests: %v\n"+
			"report reads the manifests with your own OCI credentials (read objects on that bucket is enough): "+
			"set --oci-config-file and --oci-profile (the plan names config file %q, profile %q), or --oci-auth instance_principal",
			bucketURL(p, bucket), p.Destination.Place().Region, id, err, cf, prof)
	}
	return ms, bucket, nil
}

// migrationPlan reads the migration's plan from its workflow (the plan
// query), as any worker does.
func (a *app) migrationPlan(ctx context.Context, c client.Client, m *migrationInfo) (*plan.Plan, error) {
	val, err := c.QueryWorkflow(ctx, m.WorkflowID, "", workflows.MigrationPlanQuery)
	if err != nil {
		return nil, a.temporalError(fmt.Errorf("query migration %s's plan: %w; a worker on task queue %q answers queries", m.ID, err, a.conn.taskQueue))
	}
	var data []byte
	if err := val.Get(&data); err != nil {
		return nil, failedf("decode migration %s's plan: %v", m.ID, err)
	}
	p, err := plan.Decode(data)
	if err != nil {
		return nil, failedf("migration %s's plan: %v", m.ID, err)
	}
	return p, nil
}

// addRoutes adds each shard's routing history when the plan's cutover
// target keeps one (routing.History) and opens from this machine, read
// only, with its references resolved here (a routing file the machine
// can read, a shard map whose DSN it has); otherwise the report derives
// the routing changes from the shards' transitions.
func (a *app) addRoutes(ctx context.Context, p *plan.Plan, shards []report.ShardInfo) {
	tc := p.Cutover.Target
	if tc.Settings == nil {
		return
	}
	target, err := tc.Settings.Open(ctx, routing.Env{Lookup: os.LookupEnv, ReadOnly: true})
	if err != nil {
		return
	}
	if c, ok := target.(interface{ Close() }); ok {
		defer c.Close()
	}
	routes, ok := target.(routing.History)
	if !ok {
		return
	}
	for i := range shards {
		h, err := routes.History(ctx, shards[i].ShardID)
		if err != nil {
			fmt.Fprintf(a.errOut, "starter: routing history of shard %s: %v; it comes from the shard's transitions\n", shards[i].ShardID, err)
			continue
		}
		shards[i].Routes = h
	}
}

// openManifestStore opens the plan's manifest store read-only in effect
// (report only lists and gets), through its kind's settings with the
// plan's references resolved on this machine; the --oci-* flags override
// an OCI store's auth. It returns the bucket's name for messages.
func openManifestStore(ctx context.Context, p *plan.Plan, f reportFlags) (store.Store, string, error) {
	d := p.Destination
	settings := d.Settings
	if settings == nil {
		return nil, "", fmt.Errorf("the plan names no destination")
	}
	if mb := d.ManifestBucket; mb != "" && mb != d.Place().Bucket {
		rb, ok := settings.(store.Rebucketer)
		if !ok {
			return nil, mb, fmt.Errorf("destination.manifestBucket: a %s destination has no other bucket", d.Kind())
		}
		settings = rb.InBucket(mb)
	}
	bucket := settings.Place().Bucket
	if o, ok := settings.(*ocistore.Settings); ok {
		c := *o
		if f.ociAuth != "" {
			c.Auth.Method = f.ociAuth
		}
		if f.ociConfigFile != "" {
			c.Auth.ConfigFile = f.ociConfigFile
		}
		if f.ociProfile != "" {
			c.Auth.Profile = f.ociProfile
		}
		settings = &c
	}
	st, err := settings.Open(ctx, store.Env{Lookup: os.LookupEnv})
	return st, bucket, err
}

// ociAuthNames returns the config file and profile of an OCI
// destination's auth, for hints ("" for other kinds).
func ociAuthNames(p *plan.Plan) (configFile, profile string) {
	if o, ok := p.Destination.Settings.(*ocistore.Settings); ok {
		return o.Auth.ConfigFile, o.Auth.Profile
	}
	return "", ""
}

// bucketURL names a bucket of the plan's destination for messages
// ("oci://namespace/bucket").
func bucketURL(p *plan.Plan, bucket string) string {
	pl := p.Destination.Place()
	pl.Bucket = bucket
	return pl.String()
}

// signingKey is the operator's evidence key.
type signingKey struct {
	path string
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	// pubPath is path+".pub" when it exists (and matches).
	pubPath string
}

// loadSigningKey reads the private key and, when PATH.pub exists, checks
// that it is the matching public key, so that the printed verify command
// works.
func loadSigningKey(path string) (*signingKey, error) {
	priv, err := evidence.LoadPrivateKey(path)
	if err != nil {
		return nil, usageError(fmt.Errorf("%w; give the private key file with --key, or create one with --generate-key PATH", err))
	}
	k := &signingKey{path: path, priv: priv, pub: priv.Public().(ed25519.PublicKey)}
	if _, err := os.Stat(path + ".pub"); err == nil {
		pub, err := evidence.LoadPublicKey(path + ".pub")
		if err != nil {
			return nil, usageError(err)
		}
		if !pub.Equal(k.pub) {
			return nil, usageErrorf("%s.pub is not the public key of %s (key ids %s and %s); fix or remove it", path, path, evidence.KeyID(pub), evidence.KeyID(k.pub))
		}
		k.pubPath = path + ".pub"
	}
	return k, nil
}

// publicKeyFile returns the public key file to verify with: KEY.pub, or a
// copy written into out when there is none.
func (k *signingKey) publicKeyFile(out string) (string, error) {
	if k.pubPath != "" {
		return k.pubPath, nil
	}
	der, err := x509.MarshalPKIXPublicKey(k.pub)
	if err != nil {
		return "", failedf("encode the public key: %v", err)
	}
	p := filepath.Join(out, evidencePubName)
	if err := writeFileAtomic(p, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})); err != nil {
		return "", err
	}
	return p, nil
}

// writeEvidence writes the bundle beside dir, verifies it with the public
// key, then puts it in dir's place, so that a re-run replaces it whole and
// a bundle that does not verify is never left behind.
func writeEvidence(ctx context.Context, dir string, src evidence.BundleSource, k *signingKey) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".new-")
	if err != nil {
		return failedf("create the evidence directory: %v", err)
	}
	defer os.RemoveAll(tmp)
	if err := evidence.Write(ctx, tmp, src, k.priv); err != nil {
		return failedf("write the evidence bundle: %v", err)
	}
	if err := evidence.Verify(tmp, k.pub); err != nil {
		return failedf("the evidence bundle just written does not verify: %v", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return failedf("replace %s: %v", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return failedf("replace %s: %v", dir, err)
	}
	return nil
}

// writeFileAtomic writes b to path through a temporary file and a rename.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return failedf("write %s: %v", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return failedf("write %s: %v", path, err)
	}
	return nil
}
