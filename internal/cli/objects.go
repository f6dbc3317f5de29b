package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/report"
)

// objectsHeader names the columns of report --objects in text.
const objectsHeader = "SHARD\tKEY\tSIZE\tOUTCOME\tSOURCE CHECK\tDEST CHECK\tSHA-256\tPROBLEMS"

// listObjects prints every object of the migration's manifests (of
// f.shard only, when set), streaming: text lines of tab-separated fields,
// or JSON Lines (report.Object) with -o json.
func (a *app) listObjects(ctx context.Context, m *migrationInfo, p *plan.Plan, f reportFlags) error {
	shards := m.Shards
	if f.shard != "" {
		sh, err := m.shard(f.shard)
		if err != nil {
			return err
		}
		shards = []plan.Shard{sh}
	}
	ms, bucket, err := a.manifestStore(ctx, p, f, m.ID)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(a.out)
	defer w.Flush()
	var write func(report.Object) error
	if a.json() {
		enc := json.NewEncoder(w)
		write = func(o report.Object) error { return enc.Encode(o) }
	} else {
		fmt.Fprintln(w, objectsHeader)
		write = func(o report.Object) error { return writeObjectLine(w, o) }
	}
	root := p.Destination.ManifestPrefix
	for _, sh := range shards {
		if err := report.EachObject(ctx, ms, root, sh.ID, write); err != nil {
			return failedf("list the objects of shard %s from %s/%s: %v", sh.ID, bucketURL(p, bucket), root, err)
		}
	}
	if err := w.Flush(); err != nil {
		return failedf("write the object list: %v", err)
	}
	return nil
}

// writeObjectLine writes one object as tab-separated fields; a field
// holding a tab, a line break or another control character, or starting
// with a double quote, is Go-quoted, so that a field shown as it is never
// starts with a quote and a quoted key never reads as another key.
func writeObjectLine(w io.Writer, o report.Object) error {
	outcome := o.Outcome
	if o.Deleted != "" {
		outcome += " (" + o.Deleted + ")"
	}
	var problems []string
	for _, p := range o.Problems {
		problems = append(problems, p.Record+": "+p.Problem)
	}
	if o.Error != "" {
		problems = append([]string{o.Error}, problems...)
	}
	fields := []string{o.ShardID, o.Key, strconv.FormatInt(o.Size, 10), outcome, orDash(o.SourceCheck), orDash(o.DestCheck), orDash(o.SHA256),
		orDash(strings.Join(problems, "; "))}
	for i, f := range fields {
		if strings.HasPrefix(f, `"`) || strings.IndexFunc(f, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			fields[i] = strconv.Quote(f)
		}
	}
	_, err := fmt.Fprintln(w, strings.Join(fields, "\t"))
	return err
}
