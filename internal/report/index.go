package report

import (
	"cmp"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ocimove/ocimove/internal/manifest"
)

// partName matches a record's part: "<name>-pNNNN.json" is a part of
// "<name>.json".
var partName = regexp.MustCompile(`^(.+)-p([0-9]+)\.json$`)

// shardManifests indexes the shard's objects under the manifest store:
// keys are every object under its folder, refs its batch and round
// manifests (manifest.Store.ShardManifests).
func shardManifests(root string, mi MigrationInfo, shardID string, keys []string, refs []manifest.ManifestRef) ShardManifests {
	dir := manifest.ShardDir(root, shardID)
	bucket := cmp.Or(mi.ManifestBucket, mi.Destination.Bucket)
	sm := ShardManifests{Bucket: "oci://" + cmp.Or(mi.Destination.Namespace, "<namespace>") + "/" + bucket, Folder: dir,
		Objects: len(keys), Runs: []ManifestRun{}, Records: []RecordRef{}}
	inRuns := map[string]bool{}
	for _, r := range refs {
		switch r.Kind {
		case manifest.KindBatch:
			sm.Batches++
		case manifest.KindRecopy:
			sm.Recopies++
		case manifest.KindDelta:
			sm.Deltas++
		}
		sm.Runs = append(sm.Runs, ManifestRun{Kind: string(r.Kind), Seq: r.Seq, Keys: slices.Clone(r.Keys)})
		for _, k := range r.Keys {
			inRuns[k] = true
		}
	}
	type part struct {
		n   int
		key string
	}
	records := map[string]*RecordRef{}
	parts := map[string][]part{}
	record := func(name string) *RecordRef {
		if records[name] == nil {
			records[name] = &RecordRef{Name: name}
		}
		return records[name]
	}
	for _, k := range keys {
		rel := strings.TrimPrefix(k, dir)
		switch {
		case inRuns[k]:
		case strings.Contains(rel, "/"):
			sm.InFlight++
		default:
			if m := partName.FindStringSubmatch(rel); m != nil {
				n, _ := strconv.Atoi(m[2])
				name := m[1] + ".json"
				record(name)
				parts[name] = append(parts[name], part{n, k})
				continue
			}
			record(rel).Key = k
		}
	}
	for _, name := range slices.Sorted(maps.Keys(records)) {
		r := records[name]
		ps := parts[name]
		slices.SortFunc(ps, func(a, b part) int { return a.n - b.n })
		for _, p := range ps {
			r.Parts = append(r.Parts, p.key)
		}
		sm.Records = append(sm.Records, *r)
	}
	sm.ListObjects = "starter report " + shellQuote(mi.ID) + " --shard " + shellQuote(shardID) + " --objects"
	sm.ListKeys = "oci os object list --namespace " + shellQuote(cmp.Or(mi.Destination.Namespace, "<namespace>")) +
		" --bucket-name " + shellQuote(bucket) + " --prefix " + shellQuote(dir) + " --all"
	if mi.Destination.Region != "" {
		sm.ListKeys += " --region " + shellQuote(mi.Destination.Region)
	}
	return sm
}

// shellQuote quotes s for a POSIX shell when it holds anything but
// letters, digits and -_./:@=,+.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && !strings.ContainsRune("-_./:@=,+", r)
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
