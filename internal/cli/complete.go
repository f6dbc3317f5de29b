package cli

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/ocimove/ocimove/workflows"
)

// completionTimeout bounds everything one completion asks of Temporal:
// the shell waits for it, so an unreachable server completes nothing
// after this long instead of hanging the prompt.
const completionTimeout = 2 * time.Second

// maxCompletions bounds the ids one completion offers (and the
// visibility pages it reads).
const maxCompletions = 1000

// Workflow types and search attributes completion lists by.
const (
	migrationWorkflowType = "MigrationWorkflow"
	shardWorkflowType     = "ShardWorkflow"
	saMigrationID         = "MigrationID"
	saMigrationState      = "MigrationState"
	saShardState          = "ShardState"
)

// registerCompletions gives every command the completion of its
// arguments, from their names in its Use line: MIGRATION_ID and SHARD
// from Temporal visibility, PLANFILE a plan file, BUNDLE a directory; and
// --shard the shards of the migration named first.
func (a *app) registerCompletions(root *cobra.Command) {
	for _, c := range root.Commands() {
		use := c.Use
		switch {
		case strings.Contains(use, "MIGRATION_ID"):
			c.ValidArgsFunction = a.completeMigrationArgs(strings.Contains(use, "SHARD"))
		case strings.Contains(use, "PLANFILE"):
			c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				return []string{"yaml", "yml", "json"}, cobra.ShellCompDirectiveFilterFileExt
			}
		case strings.Contains(use, "BUNDLE"):
			c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				return nil, cobra.ShellCompDirectiveFilterDirs
			}
		}
		if c.Flags().Lookup("shard") != nil {
			_ = c.RegisterFlagCompletionFunc("shard", func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				if len(args) == 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return a.completeShards(cmd.Context(), args[0], toComplete), cobra.ShellCompDirectiveNoFileComp
			})
		}
	}
}

// completeMigrationArgs completes MIGRATION_ID and, with shard, SHARD.
func (a *app) completeMigrationArgs(shard bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		switch {
		case len(args) == 0:
			return a.completeMigrations(cmd.Context(), toComplete), cobra.ShellCompDirectiveNoFileComp
		case len(args) == 1 && shard:
			return a.completeShards(cmd.Context(), args[0], toComplete), cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// completionClient dials Temporal for a completion: within
// completionTimeout, with the client's logs discarded (the shell shows
// stderr). ok is false when Temporal cannot be reached.
func (a *app) completionClient(parent context.Context) (context.Context, client.Client, func(), bool) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, completionTimeout)
	c, err := a.conn.dial(ctx, a.identity(), io.Discard)
	if err != nil {
		cancel()
		return nil, nil, nil, false
	}
	return ctx, c, func() { c.Close(); cancel() }, true
}

// completeMigrations offers the ids of the migration workflows that
// start with toComplete, each described by its state, in order.
func (a *app) completeMigrations(ctx context.Context, toComplete string) []string {
	ctx, c, done, ok := a.completionClient(ctx)
	if !ok {
		return nil
	}
	defer done()
	var out []string
	seen := map[string]bool{}
	a.visit(ctx, c, "WorkflowType = '"+migrationWorkflowType+"'", func(e workflowEntry) {
		id := e.attr(saMigrationID)
		if id == "" {
			id = strings.TrimPrefix(e.id, workflows.MigrationWorkflowID(""))
		}
		if seen[id] || !strings.HasPrefix(id, toComplete) {
			return
		}
		seen[id] = true
		desc := e.status
		if st := e.attr(saMigrationState); st != "" && e.status == "Running" {
			desc = st
		}
		out = append(out, id+"\t"+desc)
	})
	slices.Sort(out)
	return out
}

// completeShards offers the shards of migration that have started
// (shard workflows with MigrationID = migration) whose id, or with a "/"
// in toComplete whose prefix, starts with toComplete, in order. Prefixes come from
// the migration's input; without it (a payload codec key this machine
// lacks) ids are offered alone.
func (a *app) completeShards(ctx context.Context, migration, toComplete string) []string {
	if migration == "" || strings.ContainsAny(migration, `'"\`) {
		return nil
	}
	ctx, c, done, ok := a.completionClient(ctx)
	if !ok {
		return nil
	}
	defer done()
	prefixOf := map[string]string{}
	if m, err := a.migration(ctx, c, migration); err == nil {
		for _, s := range m.Shards {
			prefixOf[s.ID] = s.Prefix
		}
	}
	base := workflows.ShardWorkflowID(migration, "")
	byPrefix := strings.Contains(toComplete, "/")
	var out []string
	seen := map[string]bool{}
	q := "WorkflowType = '" + shardWorkflowType + "' AND " + saMigrationID + " = '" + migration + "'"
	a.visit(ctx, c, q, func(e workflowEntry) {
		id := strings.TrimPrefix(e.id, base)
		if id == e.id || seen[id] {
			return
		}
		seen[id] = true
		state := e.attr(saShardState)
		if state == "" || e.status != "Running" {
			state = e.status
		}
		prefix := prefixOf[id]
		switch {
		case byPrefix && prefix != "" && strings.HasPrefix(prefix, toComplete):
			out = append(out, prefix+"\t"+id+" · "+state)
		case !byPrefix && strings.HasPrefix(id, toComplete):
			desc := state
			if prefix != "" {
				desc = prefix + " · " + state
			}
			out = append(out, id+"\t"+desc)
		}
	})
	slices.Sort(out)
	return out
}

// workflowEntry is one workflow listed by visibility.
type workflowEntry struct {
	id, status string
	attrs      *commonpb.SearchAttributes
}

// attr returns a Keyword search attribute's value ("" when unset).
func (e workflowEntry) attr(name string) string {
	p := e.attrs.GetIndexedFields()[name]
	if p == nil {
		return ""
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &s); err != nil {
		return ""
	}
	return s
}

// visit calls f for each workflow visibility lists for query, newest
// first, up to maxCompletions, until ctx ends. Errors end the listing.
func (a *app) visit(ctx context.Context, c client.Client, query string, f func(workflowEntry)) {
	var token []byte
	for n := 0; n < maxCompletions; {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: a.namespace(), Query: query, PageSize: 200, NextPageToken: token,
		})
		if err != nil {
			return
		}
		for _, ex := range resp.GetExecutions() {
			f(workflowEntry{id: ex.GetExecution().GetWorkflowId(), status: statusName(ex.GetStatus()), attrs: ex.GetSearchAttributes()})
			n++
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return
		}
	}
}
