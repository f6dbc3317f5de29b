package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.temporal.io/sdk/client"

	"github.com/dustin/go-humanize"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/progress"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/workflows"
)

// finish copies the migration's manifests out of the destination bucket
// into dir/manifests, for reading, writes the report and the signed
// evidence bundle, and records where things are in res.
func finish(ctx context.Context, dir string, c client.Client, e *Endpoints, p *plan.Plan, st *State, res *Result) error {
	prefix := p.Destination.ManifestPrefix
	if prefix == "" {
		prefix = plan.DefaultManifestPrefix(p.ID)
	}
	res.ManifestURL = fmt.Sprintf("oci://%s/%s/%s", Namespace, DestBucket, prefix)
	res.ManifestDir = filepath.Join(dir, manifestsDir)
	dst, err := e.Destination(ctx)
	if err != nil {
		return fmt.Errorf("demo: open the destination bucket: %w", err)
	}
	if _, err := exportPrefix(ctx, dst, prefix, res.ManifestDir); err != nil {
		return err
	}
	return writeReport(ctx, dir, c, dst, p, st, res)
}

// exportPrefix copies every object under prefix into local files under
// to, named by the rest of their key. It returns the number copied.
func exportPrefix(ctx context.Context, s store.Store, prefix, to string) (int, error) {
	n, after := 0, ""
	for {
		page, err := s.List(ctx, store.ListOptions{Prefix: prefix, StartAfter: after})
		if err != nil {
			return n, fmt.Errorf("demo: list %s: %w", prefix, err)
		}
		for _, o := range page.Objects {
			rel := strings.TrimPrefix(o.Key, prefix)
			if !filepath.IsLocal(rel) {
				continue
			}
			if err := download(ctx, s, o.Key, filepath.Join(to, filepath.FromSlash(rel))); err != nil {
				return n, err
			}
			n++
		}
		if !page.Truncated || len(page.Objects) == 0 {
			return n, nil
		}
		after = page.Objects[len(page.Objects)-1].Key
	}
}

func download(ctx context.Context, s store.Store, key, path string) error {
	rc, _, err := s.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return fmt.Errorf("demo: read %s: %w", key, err)
	}
	defer rc.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("demo: export %s: %w", key, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("demo: export %s: %w", key, err)
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return fmt.Errorf("demo: export %s: %w", key, err)
	}
	return f.Close()
}

// summarize prints the outcome and where everything is.
func summarize(out io.Writer, res *Result) {
	fmt.Fprintf(out, "\nEvery shard is cut over (%s) in %s.\n", shardsByState(res.Shards), res.Elapsed.Round(1e9))
	fmt.Fprintf(out, "  %-10s %-9s %9s %11s  %s\n", "shard", "state", "objects", "bytes", "cut over at")
	for _, v := range res.Shards {
		at := ""
		if !v.CutoverAt.IsZero() {
			at = v.CutoverAt.Local().Format("15:04:05")
		}
		fmt.Fprintf(out, "  %-10s %-9s %9s %11s  %s\n", v.Prefix, v.State, humanize.Comma(v.Objects), progress.Bytes(v.Bytes), at)
	}
	fmt.Fprintln(out, "\nWhere things are:")
	fmt.Fprintf(out, "  plan           %s\n", res.PlanPath)
	fmt.Fprintf(out, "  routing file   %s (every shard now routed to the destination)\n", res.RoutesPath)
	fmt.Fprintf(out, "  manifests      %s on the local OCI endpoint; copied to %s\n", res.ManifestURL, res.ManifestDir)
	fmt.Fprintf(out, "  report         %s\n", strings.Join(res.ReportPaths, ", "))
	fmt.Fprintf(out, "  evidence       %s (signed with ed25519, verified; public key %s)\n", res.EvidenceDir, res.EvidencePubKey)
	fmt.Fprintf(out, "                 check it offline: go run ./cmd/starter verify-evidence %s --pubkey %s\n", res.EvidenceDir, res.EvidencePubKey)
	fmt.Fprintf(out, "  Temporal       %s (server at %s while the demo runs)\n", filepath.Join(res.Dir, temporalDB), res.TemporalAddr)
	fmt.Fprintf(out, "  logs           %s, %s\n", filepath.Join(res.Dir, workerLog), filepath.Join(res.Dir, temporalLog))
	fmt.Fprintln(out, "\nThe shards stay Soaking (source kept for rollback; nothing is purged). Running the same command again")
	fmt.Fprintln(out, "resumes this migration without seeding or copying again; --fresh starts over.")
}

// shardsByState counts the shards per state, in lifecycle order.
func shardsByState(views []ShardView) string {
	n := map[workflows.ShardState]int{}
	for _, v := range views {
		n[v.State]++
	}
	return progress.ByStateText(n)
}
