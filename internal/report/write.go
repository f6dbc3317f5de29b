package report

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("report: write JSON: %w", err)
	}
	return nil
}

// WriteMarkdown writes the report as a readable Markdown page: the
// migration, a summary table of the shards, then one section per shard.
func (r *Report) WriteMarkdown(w io.Writer) error {
	mw := &mdWriter{w: w}
	r.writeMarkdown(mw)
	if mw.err != nil {
		return fmt.Errorf("report: write Markdown: %w", mw.err)
	}
	return nil
}

type mdWriter struct {
	w   io.Writer
	err error
}

func (m *mdWriter) f(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

func (r *Report) writeMarkdown(m *mdWriter) {
	mi := r.Migration
	title := mi.ID
	if mi.Name != "" && mi.Name != mi.ID {
		title = mi.Name + " (" + mi.ID + ")"
	}
	m.f("# Migration report: %s\n\n", cell(title))
	m.f("Generated %s.\n\n", stamp(r.GeneratedAt))
	m.f("| | |\n|---|---|\n")
	if mi.State != "" {
		m.f("| state | %s |\n", cell(mi.State))
	}
	m.f("| source | %s |\n", cell(mi.Source.String()))
	for _, c := range mi.Copies {
		m.f("| %s copy %s | %s |\n", cell(c.Role), cell(c.Name), cell(c.String()))
	}
	m.f("| destination | %s |\n", cell(mi.Destination.String()))
	if len(mi.AllowedRegions) > 0 {
		m.f("| allowed regions | %s |\n", cell(strings.Join(mi.AllowedRegions, ", ")))
	}
	if mi.VerificationMode != "" {
		m.f("| verification | %s, then a full verification before cutover |\n", cell(mi.VerificationMode))
	}
	if mi.Approval != "" {
		m.f("| approval | %s |\n", cell(mi.Approval))
	}
	m.f("| purge | %t |\n", mi.PurgeEnabled)
	if mi.PlanFingerprint != "" {
		m.f("| plan fingerprint | `%s` |\n", mi.PlanFingerprint)
	}
	if !mi.StartedAt.IsZero() {
		m.f("| started | %s |\n", stamp(mi.StartedAt))
	}

	t := r.Totals
	m.f("\n## Summary\n\n")
	m.f("%d shards (%s); %d objects, %s; %d copied, %d skipped; %d mismatches, %d failed, %d source-gone; %d shards passed the final full verification.\n\n",
		t.Shards, byState(t.ByState), t.Objects, bytesText(t.Bytes), t.Outcomes["copied"], t.Outcomes["skipped"],
		t.Mismatches, t.Failed, t.SourceGone, t.FinalVerified)
	m.f("| shard | prefix | state | objects | bytes | copied | skipped | failed | source-gone | mismatches | final verify | cut over |\n")
	m.f("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	for _, s := range r.Shards {
		m.f("| [%s](#%s) | %s | %s | %d | %s | %d | %d | %d | %d | %d | %s | %s |\n",
			cell(s.ShardID), anchor(s.ShardID), keyCode(s.Prefix), cell(s.State), s.Objects, bytesText(s.Bytes),
			s.Outcomes["copied"], s.Outcomes["skipped"], s.Failed.Count, s.SourceGone.Count, s.Mismatches.Count,
			finalText(s.Verification.Final), stampOr(s.Timings.CutoverAt, "–"))
	}
	if len(mi.Actions) > 0 {
		m.f("\n### Migration actions\n\n")
		writeActions(m, mi.Actions)
	}
	for _, s := range r.Shards {
		s.writeMarkdown(m)
	}
}

// writeMarkdown writes the shard's section: its state, objects,
// verification, manifests, problems, timings, routing changes, operator
// actions, reverse sync and purge.
func (s *ShardReport) writeMarkdown(m *mdWriter) {
	m.f("\n## Shard %s\n\n", cell(s.ShardID))
	m.f("<a id=\"%s\"></a>Prefix %s, state **%s**", anchor(s.ShardID), codeText(shownKey(s.Prefix)), cell(s.State))
	if s.Route.State != "" {
		m.f(", route %s (version %d)", cell(s.Route.State), s.Route.Version)
	}
	m.f(".\n")
	if s.LastError != "" {
		m.f("\nLast error: %s\n", cell(s.LastError))
	}

	s.writeObjects(m)
	s.writeVerification(m)
	s.writeManifests(m)

	writeList(m, "Mismatches", s.Mismatches)
	writeList(m, "Failed objects", s.Failed)
	writeList(m, "Source-gone objects", s.SourceGone)
	writeList(m, "Unsupported names", s.Unsupported)
	writeList(m, "Archived objects", s.Archived)

	s.writeTimings(m)
	s.writeRoutingChanges(m)
	if len(s.OperatorActions) > 0 {
		m.f("\n**Operator actions.**\n\n")
		writeActions(m, s.OperatorActions)
	}
	if rs := s.ReverseSync; rs != nil {
		m.f("\n**Reverse sync.** %d objects written at the destination since cutover: %d copied back, %d verified, %d failed.\n",
			rs.Objects, rs.Copied, rs.Verified, rs.Failed)
	}
	if p := s.Purge; p != nil {
		m.f("\n**Purge.** %d deletions.\n\n| copy | store | objects | versions | delete markers |\n|---|---|---:|---:|---:|\n", p.Total)
		for _, c := range p.Copies {
			m.f("| %s | %s | %d | %d | %d |\n", cell(c.Name), cell(c.Store), c.Objects, c.Versions, c.DeleteMarkers)
		}
	}
}

// writeObjects writes the shard's objects by outcome.
func (s *ShardReport) writeObjects(m *mdWriter) {
	m.f("\n**Objects.** %d objects, %s at the destination, %s sent. Manifests: %d batches, %d re-copies, %d delta rounds.\n\n",
		s.Objects, bytesText(s.Bytes), bytesText(s.BytesSent), s.Manifests.Batches, s.Manifests.Recopies, s.Manifests.Deltas)
	m.f("| outcome | objects |\n|---|---:|\n")
	for _, k := range sortedKeys(s.Outcomes) {
		m.f("| %s | %d |\n", cell(k), s.Outcomes[k])
	}
	for _, k := range sortedKeys(s.Deleted) {
		m.f("| of which marked %s | %d |\n", cell(k), s.Deleted[k])
	}
}

// writeVerification writes how the shard's objects were checked: source
// reads, destination writes, each verification and the final one.
func (s *ShardReport) writeVerification(m *mdWriter) {
	v := s.Verification
	m.f("\n**Verification.**")
	m.f(" Source reads checked by: %s.", countsText(v.SourceChecks))
	m.f(" Writes checked by the destination with: %s.", countsText(v.DestChecks))
	for _, run := range v.Runs {
		m.f(" Verification (%s): %d checked, %d mismatches.", cell(run.Mode), run.Checked, run.Mismatches)
	}
	if f := v.Final; f != nil {
		m.f(" Final full verification: %s — %d objects, %d missing, %d extra, %d mismatched, %d modified after the freeze",
			finalText(f), f.Objects, f.Missing, f.Extra, f.Mismatched, f.ModifiedAfterFreeze)
		if f.KeptDeleted > 0 {
			m.f(", %d deleted at the source and kept", f.KeptDeleted)
		}
		m.f(".")
	} else {
		m.f(" No final verification yet.")
	}
	m.f("\n")

	if len(v.ByVerification) > 0 {
		m.f("\n| verification | checked | ok | mismatch | missing |\n|---|---:|---:|---:|---:|\n")
		for _, k := range sortedKeys(v.ByVerification) {
			c := v.ByVerification[k]
			m.f("| %s | %d | %d | %d | %d |\n", cell(k), c.Checked, c.OK, c.Mismatch, c.Missing)
		}
	}
}

// writeTimings writes when the shard passed each step and its time in
// each state.
func (s *ShardReport) writeTimings(m *mdWriter) {
	tm := s.Timings
	m.f("\n**Timings.** Started %s; frozen %s; cut over %s; soak until %s; finished %s. Copy time (sum over objects): %s.\n",
		stampOr(tm.Started, "–"), stampOr(tm.FrozenAt, "–"), stampOr(tm.CutoverAt, "–"), stampOr(tm.SoakUntil, "–"),
		stampOr(tm.Finished, "–"), tm.CopyTime.Round(time.Millisecond))
	if len(tm.InState) > 0 {
		m.f("\n| state | time |\n|---|---:|\n")
		for _, k := range sortedKeys(tm.InState) {
			m.f("| %s | %s |\n", cell(k), tm.InState[k].Round(time.Millisecond))
		}
	}
}

// writeRoutingChanges writes the shard's routing changes.
func (s *ShardReport) writeRoutingChanges(m *mdWriter) {
	if len(s.RoutingChanges) > 0 {
		m.f("\n**Routing changes.**\n\n| when | from | to | version | operation | who | why |\n|---|---|---|---:|---|---|---|\n")
		for _, c := range s.RoutingChanges {
			ver := "–"
			if c.Source == "routing-target" {
				ver = fmt.Sprint(c.Version)
			}
			op := c.OperationID
			if op == "" {
				op = "–"
			}
			m.f("| %s | %s | %s | %s | %s | %s | %s |\n", stamp(c.At), cell(c.From), cell(c.To), ver,
				cell(op), cell(c.Actor), cell(c.Reason))
		}
	}
}

// maxRunsListed bounds the manifests a shard's Markdown section names;
// report.json names them all.
const maxRunsListed = 20

// writeManifests links the shard to its manifests and records and says
// how to list them and the objects they record.
func (s *ShardReport) writeManifests(m *mdWriter) {
	sm := s.Manifests
	m.f("\n**Manifests.** %d objects under %s in %s: %d batch, %d re-copy and %d delta manifests, %d records",
		sm.Objects, codeText(sm.Folder), cell(sm.Bucket), sm.Batches, sm.Recopies, sm.Deltas, len(sm.Records))
	if sm.InFlight > 0 {
		m.f(", %d records of activities in flight", sm.InFlight)
	}
	m.f(". Every object, with how its source read and its write were checked, its hashes and its outcome: %s (add `-o json` for JSON Lines). The manifest objects themselves: %s.\n",
		codeText(sm.ListObjects), codeText(sm.ListKeys))
	if len(sm.Runs)+len(sm.Records) == 0 {
		return
	}
	m.f("\n| manifest | objects |\n|---|---|\n")
	n := 0
	for _, r := range sm.Runs {
		if n == maxRunsListed {
			break
		}
		n++
		m.f("| %s %d | %s |\n", cell(r.Kind), r.Seq, keysText(sm.Folder, r.Keys))
	}
	for _, r := range sm.Records {
		if n == maxRunsListed {
			break
		}
		n++
		keys := r.Parts
		if r.Key != "" {
			keys = append([]string{r.Key}, r.Parts...)
		}
		m.f("| %s | %s |\n", cell(r.Name), keysText(sm.Folder, keys))
	}
	if more := len(sm.Runs) + len(sm.Records) - n; more > 0 {
		m.f("\n%d more; report.json names every manifest and record with its parts.\n", more)
	}
}

// keysText names keys relative to folder: one or two, or the first and
// last of more.
func keysText(folder string, keys []string) string {
	rel := func(k string) string { return code(strings.TrimPrefix(k, folder)) }
	switch len(keys) {
	case 0:
		return "–"
	case 1:
		return rel(keys[0])
	case 2:
		return rel(keys[0]) + ", " + rel(keys[1])
	}
	return fmt.Sprintf("%s … %s (%d objects)", rel(keys[0]), rel(keys[len(keys)-1]), len(keys))
}

func writeActions(m *mdWriter, ts []Transition) {
	m.f("| when | action | who | why | state |\n|---|---|---|---|---|\n")
	for _, t := range ts {
		action := t.Action
		if action == "" {
			action = "→ " + string(t.To)
		}
		state := string(t.To)
		if t.From != "" && t.From != t.To {
			state = string(t.From) + " → " + string(t.To)
		}
		m.f("| %s | %s | %s | %s | %s |\n", stamp(t.At), cell(action), cell(t.Actor), cell(t.Reason), cell(state))
	}
}

func writeList(m *mdWriter, title string, l ObjectList) {
	if l.Count == 0 {
		return
	}
	m.f("\n**%s: %d.**\n\n| key | size | reason |\n|---|---:|---|\n", title, l.Count)
	for _, o := range l.Items {
		reason := o.Reason
		if o.Class != "" {
			reason += " (" + o.Class + ")"
		}
		if o.Where != "" {
			reason += " [" + o.Where + "]"
		}
		m.f("| %s | %d | %s |\n", keyCode(o.Key), o.Size, cell(reason))
	}
	if l.Omitted > 0 {
		m.f("\n%d more not listed; the manifests hold every object.\n", l.Omitted)
	}
}

func finalText(f *FinalVerify) string {
	switch {
	case f == nil:
		return "–"
	case f.OK:
		return "passed"
	}
	return "failed"
}

func countsText(m map[string]int64) string {
	if len(m) == 0 {
		return "none recorded"
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return cell(strings.Join(parts, ", "))
}

func byState(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format(time.RFC3339)
}

func stampOr(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return stamp(t)
}

// bytesText formats n in binary units.
func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// cell makes s safe inside a Markdown table cell: pipes escaped, line
// breaks and other control characters shown as escapes.
func cell(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '<' {
			b.WriteString("&lt;")
			continue
		}
		writeEscaped(&b, r, true)
	}
	return b.String()
}

// writeEscaped writes r to b, with line breaks and other control
// characters as escapes, and a pipe escaped when pipe is set (in a table).
func writeEscaped(b *strings.Builder, r rune, pipe bool) {
	switch {
	case r == '|' && pipe:
		b.WriteString(`\|`)
	case r == '\n':
		b.WriteString(`\n`)
	case r == '\r':
		b.WriteString(`\r`)
	case r < 0x20 || r == 0x7f:
		fmt.Fprintf(b, `\x%02x`, r)
	default:
		b.WriteRune(r)
	}
}

// code is s as a Markdown code span in a table cell (see span).
func code(s string) string { return span(s, true) }

// codeText is s as a Markdown code span in running text (see span).
func codeText(s string) string { return span(s, false) }

// keyCode is an object key as a code span in a table cell, shown so that
// two keys never look alike (see shownKey).
func keyCode(key string) string { return code(shownKey(key)) }

// shownKey is a key as the Markdown report shows it: as it is, or, when
// it holds a backslash, a control character or another character that
// does not print (a bidirectional override, a byte-order mark, a
// non-ASCII space) or is not UTF-8, Go-quoted ("line\nfeed"). A key
// shown as it is holds no backslash, and a quoted one always does, so
// that no two keys are shown alike (except canonically equivalent
// Unicode, such as NFC and NFD é, which the JSON report and the object
// listing tell apart).
func shownKey(key string) string {
	if !utf8.ValidString(key) || strings.IndexFunc(key, func(r rune) bool { return r == '\\' || r != ' ' && !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(key)
	}
	return key
}

// span is s as a Markdown code span, exactly: a fence of one backtick more
// than the longest run of backticks in s, and a space inside each end
// when s starts or ends with a backtick or a space (CommonMark strips one
// space from each end of a span that has both). Control characters are
// shown as escapes so that a line break cannot end the table or the
// paragraph, and in a table cell a pipe is escaped (GFM removes the
// escape, inside spans too).
func span(s string, table bool) string {
	var b strings.Builder
	run, longest := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
		writeEscaped(&b, r, table)
	}
	c := b.String()
	if c != "" && strings.Trim(c, " ") != "" && (strings.HasPrefix(c, " ") || strings.HasSuffix(c, " ") ||
		strings.HasPrefix(c, "`") || strings.HasSuffix(c, "`")) {
		c = " " + c + " "
	}
	fence := strings.Repeat("`", longest+1)
	return fence + c + fence
}

// anchor is a shard id as an HTML anchor (shard ids are already [a-z0-9-]).
func anchor(id string) string {
	return "shard-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(id))
}
