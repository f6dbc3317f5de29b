package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/progress"
)

// planReport is the plan command's answer, also its JSON output.
type planReport struct {
	MigrationID       string        `json:"migrationId"`
	Fingerprint       string        `json:"fingerprint"`
	Source            string        `json:"source"`
	Destination       string        `json:"destination"`
	DestinationRegion string        `json:"destinationRegion"`
	PlanShards        int           `json:"planShards"`
	Shards            []shardSize   `json:"shards"`
	Objects           int64         `json:"objects"`
	Bytes             int64         `json:"bytes"`
	Rate              string        `json:"rate"`
	Estimated         time.Duration `json:"estimatedNanos"` // 0: unlimited
	EstimatedText     string        `json:"estimated"`
	Problems          []string      `json:"problems"`
}

type shardSize struct {
	ShardID       string        `json:"shardId"`
	Prefix        string        `json:"prefix"`
	Objects       int64         `json:"objects"`
	Bytes         int64         `json:"bytes"`
	Estimated     time.Duration `json:"estimatedNanos"`
	EstimatedText string        `json:"estimated"`
	// UnsupportedNames counts the shard's keys the destination cannot
	// store; UnsupportedExamples names the first few.
	UnsupportedNames    int64    `json:"unsupportedNames,omitempty"`
	UnsupportedExamples []string `json:"unsupportedExamples,omitempty"`
}

func (a *app) planCommand() *cobra.Command {
	timeout := 30 * time.Minute
	cmd := &cobra.Command{
		Use:   "plan PLANFILE",
		Short: "Dry run: check the plan on the workers, list every shard's objects and bytes, estimate the duration",
		Long: `plan runs the pre-flight on a worker (which holds the credentials): the plan
is valid, secrets resolve, the destination region (derived from its endpoint)
and its replication stay in residency.allowedRegions, the destination bucket
is writable, no retention rule or Object Lock blocks the purge. It lists every
shard for its object count and bytes, warns of keys the destination cannot
store (which would keep their shard from cutting over), and estimates the
duration at the plan's rates. It exits 1 when pre-flight finds problems, each
naming what to fix.`,
		Args: exactArgs("PLANFILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPlan(args[0])
			if err != nil {
				return err
			}
			c, err := a.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			res, err := a.preflight(cmd.Context(), c, p, timeout)
			if err != nil {
				return err
			}
			rep := newPlanReport(p, res)
			if err := a.emit(rep, func(w io.Writer) { rep.print(w, args[0]) }); err != nil {
				return err
			}
			if len(rep.Problems) > 0 {
				return errSilent
			}
			return nil
		},
	}
	a.outputFlag(cmd)
	cmd.Flags().DurationVar(&timeout, "timeout", timeout, "how long to wait for the pre-flight (it lists every shard)")
	return cmd
}

// newPlanReport joins the plan's shards with the pre-flight's listing.
func newPlanReport(p *plan.Plan, res activities.PreflightResult) planReport {
	rep := planReport{MigrationID: p.ID, Fingerprint: p.Fingerprint(), DestinationRegion: res.DestinationRegion,
		Source:      p.Sources.Primary.Place().String(),
		Destination: p.Destination.Place().String(), Problems: res.Problems,
		Rate: rateText(p.Limits)}
	rep.Problems = make([]string, 0, len(res.Problems))
	for _, pr := range res.Problems {
		rep.Problems = append(rep.Problems, cleanProblem(pr))
	}
	sizes := map[string]activities.ShardSize{}
	for _, s := range res.Shards {
		sizes[s.ShardID] = s
	}
	shards, _ := p.ShardList() // validated by loadPlan
	rep.PlanShards = len(shards)
	for _, sh := range shards {
		sz, ok := sizes[sh.ID]
		if !ok && len(res.Shards) < len(shards) && len(res.Problems) > 0 {
			continue // not listed: pre-flight stopped early
		}
		d := estimate(p.Limits, sz.Objects, sz.Bytes)
		rep.Shards = append(rep.Shards, shardSize{ShardID: sh.ID, Prefix: sh.Prefix, Objects: sz.Objects, Bytes: sz.Bytes,
			Estimated: d, EstimatedText: durationText(d, p.Limits),
			UnsupportedNames: sz.UnsupportedNames, UnsupportedExamples: sz.UnsupportedExamples})
		rep.Objects += sz.Objects
		rep.Bytes += sz.Bytes
	}
	rep.Estimated = estimate(p.Limits, rep.Objects, rep.Bytes)
	rep.EstimatedText = durationText(rep.Estimated, p.Limits)
	return rep
}

// estimate is the time to copy objects and bytes at the plan's rates (0
// when neither rate is set): bytes at limits.bytesPerSecond, and two
// requests per object (read and write) at limits.requestsPerSecond,
// whichever is slower.
func estimate(l plan.Limits, objects, bytes int64) time.Duration {
	var secs float64
	if l.BytesPerSecond > 0 {
		secs = float64(bytes) / float64(l.BytesPerSecond)
	}
	if l.RequestsPerSecond > 0 {
		secs = max(secs, float64(2*objects)/l.RequestsPerSecond)
	}
	return time.Duration(secs * float64(time.Second))
}

func unlimited(l plan.Limits) bool { return l.BytesPerSecond <= 0 && l.RequestsPerSecond <= 0 }

func durationText(d time.Duration, l plan.Limits) string {
	if unlimited(l) {
		return "unlimited"
	}
	return progress.Round(d).String()
}

func rateText(l plan.Limits) string {
	switch {
	case unlimited(l):
		return "unlimited (limits.bytesPerSecond and limits.requestsPerSecond are not set)"
	case l.RequestsPerSecond <= 0:
		return fmt.Sprintf("%s/s per worker (limits.bytesPerSecond)", progress.Bytes(l.BytesPerSecond))
	case l.BytesPerSecond <= 0:
		return fmt.Sprintf("%g requests/s per worker (limits.requestsPerSecond)", l.RequestsPerSecond)
	}
	return fmt.Sprintf("%s/s and %g requests/s per worker (limits)", progress.Bytes(l.BytesPerSecond), l.RequestsPerSecond)
}

func (r planReport) print(w io.Writer, path string) {
	fmt.Fprintf(w, "Plan %s: %d shards, %s to %s (region %s)\n", r.MigrationID, r.PlanShards, r.Source, r.Destination, orDash(r.DestinationRegion))
	fmt.Fprintf(w, "Fingerprint %s\n\n", r.Fingerprint)
	if len(r.Shards) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SHARD\tPREFIX\tOBJECTS\tBYTES\tEST. DURATION")
		for _, s := range r.Shards {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.ShardID, s.Prefix, s.Objects, progress.Bytes(s.Bytes), s.EstimatedText)
		}
		fmt.Fprintf(tw, "TOTAL\t\t%d\t%s\t%s\n", r.Objects, progress.Bytes(r.Bytes), r.EstimatedText)
		tw.Flush()
		fmt.Fprintf(w, "\nRate: %s\n", r.Rate)
		r.printUnsupported(w)
	} else {
		fmt.Fprintln(w, "Shards not listed: the pre-flight stopped before listing.")
	}
	if len(r.Problems) == 0 {
		fmt.Fprintf(w, "Pre-flight: no problems. Start with: starter start %s\n", path)
		return
	}
	fmt.Fprintf(w, "\nPre-flight found %d problem(s); fix each, then run `starter plan %s` again:\n", len(r.Problems), path)
	for i, p := range r.Problems {
		fmt.Fprintf(w, "  %d. %s\n", i+1, p)
	}
}

// printUnsupported warns of each shard's keys the destination cannot
// store, naming the first few Go-quoted (they hold line breaks or NULs).
func (r planReport) printUnsupported(w io.Writer) {
	for _, s := range r.Shards {
		if s.UnsupportedNames == 0 {
			continue
		}
		quoted := make([]string, len(s.UnsupportedExamples))
		for i, k := range s.UnsupportedExamples {
			quoted[i] = strconv.Quote(k)
		}
		more := ""
		if n := s.UnsupportedNames - int64(len(quoted)); n > 0 {
			more = fmt.Sprintf(" and %d more", n)
		}
		fmt.Fprintf(w, "Warning: shard %s holds %d keys the destination cannot store: %s%s. Each will end as an unsupported name, and the shard cannot pass its final verification (so it is not cut over) until they are renamed at the source or excluded with sources.primary.filters.exclude.\n",
			s.ShardID, s.UnsupportedNames, strings.Join(quoted, ", "), more)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
