package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/evidence"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/report"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/workflows"
)

// Names of the report, the evidence bundle and its key in the state
// directory.
const (
	reportJSON  = "report.json"
	reportMD    = "report.md"
	evidenceDir = "evidence"
	evidenceKey = "evidence.key" // under credentials/; the public key is evidence.key.pub
)

// reportInputs gathers what the report and the evidence are made from: the
// plan, the migration's and every shard's status, and the routing file's
// history of each shard.
func reportInputs(ctx context.Context, c client.Client, p *plan.Plan, st *State) (report.MigrationInfo, []report.ShardInfo, error) {
	info := report.MigrationInfoFromPlan(p)
	info.StartedAt = st.PlanStart
	var ms workflows.MigrationStatus
	if v, err := c.QueryWorkflow(ctx, workflows.MigrationWorkflowID(p.ID), "", workflows.MigrationStatusQuery); err == nil && v.Get(&ms) == nil {
		info.State = string(ms.State)
		for _, a := range ms.Actions {
			info.Actions = append(info.Actions, a)
		}
	}
	if p.Cutover.Target.Settings == nil {
		return info, nil, fmt.Errorf("demo: the plan names no routing target")
	}
	target, err := p.Cutover.Target.Settings.Open(ctx, routing.Env{ReadOnly: true})
	if err != nil {
		return info, nil, fmt.Errorf("demo: open the routing target: %w", err)
	}
	routes, ok := target.(routing.History)
	if !ok {
		return info, nil, fmt.Errorf("demo: the routing target keeps no history")
	}
	shards, err := p.ShardList()
	if err != nil {
		return info, nil, err
	}
	var out []report.ShardInfo
	for _, s := range shards {
		var ss workflows.ShardStatus
		v, err := c.QueryWorkflow(ctx, workflows.ShardWorkflowID(p.ID, s.ID), "", workflows.ShardStatusQuery)
		if err == nil {
			err = v.Get(&ss)
		}
		if err != nil {
			return info, nil, fmt.Errorf("demo: status of shard %s: %w", s.Prefix, err)
		}
		si := report.ShardInfoFrom(ss)
		si.ShardID, si.Prefix = s.ID, s.Prefix
		if si.Routes, err = routes.History(ctx, s.ID); err != nil {
			return info, nil, fmt.Errorf("demo: routing history of shard %s: %w", s.Prefix, err)
		}
		out = append(out, si)
	}
	return info, out, nil
}

// writeReport writes report.json, report.md and the evidence bundle,
// signed with the ed25519 key in credentials/evidence.key (generated the
// first time), into dir, and checks the bundle against the public key.
func writeReport(ctx context.Context, dir string, c client.Client, ms store.Store, p *plan.Plan, st *State, res *Result) error {
	info, shards, err := reportInputs(ctx, c, p, st)
	if err != nil {
		return err
	}
	root := p.Destination.ManifestPrefix
	rep, err := report.Build(ctx, ms, root, info, shards)
	if err != nil {
		return fmt.Errorf("demo: build the report: %w", err)
	}
	var js, md bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		return fmt.Errorf("demo: write the report: %w", err)
	}
	if err := rep.WriteMarkdown(&md); err != nil {
		return fmt.Errorf("demo: write the report: %w", err)
	}
	for name, b := range map[string][]byte{reportJSON: js.Bytes(), reportMD: md.Bytes()} {
		if err := writeFileAtomic(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	res.ReportPaths = []string{filepath.Join(dir, reportMD), filepath.Join(dir, reportJSON)}

	keyPath := filepath.Join(dir, credsDir, evidenceKey)
	if _, err := os.Stat(keyPath); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(keyPath), 0o700); err != nil {
			return fmt.Errorf("demo: create credentials directory: %w", err)
		}
		if _, err := evidence.GenerateKey(keyPath); err != nil {
			return err
		}
	}
	priv, err := evidence.LoadPrivateKey(keyPath)
	if err != nil {
		return err
	}
	pub, err := evidence.LoadPublicKey(keyPath + ".pub")
	if err != nil {
		return err
	}
	// Write the bundle beside the old one, then swap, so a re-run replaces
	// it whole.
	final := filepath.Join(dir, evidenceDir)
	tmp := fmt.Sprintf("%s.new-%d", final, time.Now().UnixNano())
	defer os.RemoveAll(tmp)
	if err := evidence.Write(ctx, tmp, evidence.BundleSource{Store: ms, Root: root, Migration: info, Shards: shards, Report: rep}, priv); err != nil {
		return fmt.Errorf("demo: write the evidence bundle: %w", err)
	}
	if err := evidence.Verify(tmp, pub); err != nil {
		return fmt.Errorf("demo: the evidence bundle just written does not verify: %w", err)
	}
	if err := os.RemoveAll(final); err != nil {
		return fmt.Errorf("demo: replace %s: %w", final, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("demo: replace %s: %w", final, err)
	}
	res.EvidenceDir, res.EvidencePubKey = final, keyPath+".pub"
	return nil
}
