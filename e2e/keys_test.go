package e2e_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/report"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/internal/wire"
	"github.com/ocimove/ocimove/workflows"
)

// Shards of the key test: every class of tricky characters under an
// ordinary prefix; a prefix that is itself tricky; and the keys OCI cannot
// hold, beside two it can.
const (
	keysPrefix    = "keys/"
	oddPrefix     = "odd prefix+%2F é?#&=/"
	refusedPrefix = "refused/"
	keysPartSize  = 5 << 20 // the source's multipart part size (S3's minimum)
)

// multipartKey is a multi-part object with a tricky key (larger than the
// engine's part size, so that the copy is multipart too).
var multipartKey = keysPrefix + "multipart/ünï cødé+%2F?#&=;@'\"*[]{}|\\^`~\ttab e\u0301.bin"

// deltaHook holds the first delta round of one shard until the test has
// changed the source: after the first copy and its verification, so that
// CatchingUp finds the changes.
type deltaHook struct {
	interceptor.WorkerInterceptorBase
	shard   string
	once    sync.Once
	arrived chan struct{}
	release chan struct{}
}

func (h *deltaHook) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &deltaHookActivity{h: h}
	i.Next = next
	return i
}

type deltaHookActivity struct {
	interceptor.ActivityInboundInterceptorBase
	h *deltaHook
}

func (i *deltaHookActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if activity.GetInfo(ctx).ActivityType.Name == activities.DeltaRoundName && len(in.Args) == 1 {
		if d, ok := in.Args[0].(activities.DeltaInput); ok && d.Shard.ShardID == i.h.shard && !d.Final {
			i.h.once.Do(func() {
				close(i.h.arrived)
				<-i.h.release
			})
		}
	}
	return i.Next.ExecuteActivity(ctx, in)
}

// TestTrickyKeysMigrateByteForByte migrates shards whose keys cover every
// class of tricky characters (trickyKeyClasses, a 1024-byte key, a
// multi-part object, and keys OCI cannot hold), through the starter and a
// worker: pre-flight, copy in batches of 10 (so that cursors fall on
// tricky keys), verification, a delta round that finds changed, deleted
// and new tricky keys, the freeze, the final verification, cutover and a
// rollback whose reverse sync brings tricky keys written at the
// destination back. Pre-flight warns of the keys OCI cannot hold. The SDKs' own listings of both endpoints must agree,
// key for key and SHA-256 for SHA-256, and the manifests must record
// every key exactly as it is; the keys OCI cannot hold must be named as
// unsupported names, never dropped or changed.
func TestTrickyKeysMigrateByteForByte(t *testing.T) {
	began := time.Now()
	dir := t.TempDir()
	srv, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{Disk: true})
	env.S3Store(t, "keys-src", nil)
	env.OCIStore(t, "keys-dst", nil)
	src, dst := newRawS3(env, "keys-src"), newRawOCI(t, env, "keys-dst")

	// The source, through aws-sdk-go-v2: what it holds is the truth the
	// destination is compared with.
	want := map[string]string{} // key → SHA-256 the source must hold
	seed := func(key string, gen, size int) {
		data := content(key, gen, size)
		src.put(t, key, data)
		want[key] = shaOf(data)
	}
	for _, c := range trickyKeyClasses {
		for _, k := range c.keys {
			seed(keysPrefix+k, 1, 64+len(k))
		}
	}
	seed(maxLenKey(keysPrefix, 1024), 1, 1024)
	for _, k := range []string{"plain", " space", "tab\t", "ü+%2F?#", "a//b", ".."} {
		seed(oddPrefix+k, 1, 200)
	}
	big := content(multipartKey, 1, 3*keysPartSize+1234)
	src.putMultipart(t, multipartKey, big, keysPartSize)
	want[multipartKey] = shaOf(big)
	refusedOK := map[string]string{}
	for _, k := range []string{"ok-1", "ok\ttab"} {
		data := content(refusedPrefix+k, 1, 100)
		src.put(t, refusedPrefix+k, data)
		refusedOK[refusedPrefix+k] = shaOf(data)
	}
	for _, k := range unsupportedKeys {
		src.put(t, refusedPrefix+k, content(refusedPrefix+k, 1, 50))
	}
	require.Equal(t, want, merge(src.hashes(t, keysPrefix), src.hashes(t, oddPrefix)),
		"the source holds every key byte for byte (else the test would check nothing)")
	require.Len(t, src.hashes(t, refusedPrefix), len(refusedOK)+len(unsupportedKeys))

	const id = "keys"
	prefixes := []string{keysPrefix, oddPrefix, refusedPrefix}
	planPath, _ := clitest.WritePlan(t, env, dir, id, "keys-src", "keys-dst", prefixes, func(p *plan.Plan) {
		p.Cutover.Approval = plan.ApprovalAuto
		p.Freeze.MaxDuration = plan.Duration(5 * time.Minute)
	})
	keysShard, oddShard, refusedShard := plan.ShardID(keysPrefix), plan.ShardID(oddPrefix), plan.ShardID(refusedPrefix)

	// The delta round: change, delete and add tricky keys after the first
	// copy. The NFC key is deleted and its NFD twin changed, one case of a
	// key deleted and the others kept, a trailing-slash key deleted and
	// its child kept, the multi-part object replaced by another one.
	deleted := []string{"plus sign", "café-nfc-\u00e9", "case", "trailing/slash/with/data/", "..", "literal%2Fslash", "hash#tag", "a//b"}
	changed := []string{"plus+sign", "café-nfd-e\u0301", "CASE", "tab\there", "%25", "a///b", " leading space", "back\\slash", "?"}
	added := []string{"new?after#copy &=", "new/ trailing ", "new/日本\x01", "new//double", "new/./dot"}
	hook := &deltaHook{shard: keysShard, arrived: make(chan struct{}), release: make(chan struct{})}
	changeSource := func() {
		for _, k := range deleted {
			src.delete(t, keysPrefix+k)
			delete(want, keysPrefix+k)
		}
		for _, k := range changed {
			seed(keysPrefix+k, 2, 80+len(k))
		}
		for _, k := range added {
			seed(keysPrefix+k, 1, 90)
		}
		big2 := content(multipartKey, 2, 2*keysPartSize+777)
		src.putMultipart(t, multipartKey, big2, keysPartSize)
		want[multipartKey] = shaOf(big2)
		t.Logf("before delta round 1: deleted %d, changed %d (and the multi-part object), added %d tricky keys", len(deleted), len(changed), len(added))
	}
	t.Setenv("AWS_ACCESS_KEY_ID", testenv.S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testenv.S3SecretKey)
	t.Setenv("AWS_REGION", testenv.S3Region)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	w, err := wire.NewWorker(wire.Config{Client: tc, TaskQueue: clitest.TaskQueue,
		Engine: engine.Config{PartSize: 10 << 20, PoolBytes: 64 << 20, Concurrency: 8},
		Worker: worker.Options{MaxConcurrentActivityExecutionSize: 16, Interceptors: []interceptor.WorkerInterceptor{hook}}})
	require.NoError(t, err)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	s := clitest.NewStarter(t, srv)

	// Pre-flight counts every key, the unsupported ones included.
	r := s.Run("plan", planPath, "-o", "json")
	var pre struct {
		Shards []struct {
			ShardID             string
			Objects             int64
			UnsupportedNames    int64
			UnsupportedExamples []string
		}
		Problems []string
	}
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), &pre), r.String())
	assert.Equal(t, 0, r.Code, r.String())
	t.Logf("pre-flight problems: %q", pre.Problems)
	counts, names := map[string]int64{}, map[string][]string{}
	for _, sh := range pre.Shards {
		counts[sh.ShardID] = sh.Objects
		assert.Equal(t, sh.UnsupportedNames, int64(len(sh.UnsupportedExamples)), sh.ShardID)
		if sh.UnsupportedNames > 0 {
			names[sh.ShardID] = sh.UnsupportedExamples
		}
	}
	sortedRefused := []string{}
	for _, k := range unsupportedKeys {
		sortedRefused = append(sortedRefused, refusedPrefix+k)
	}
	sort.Strings(sortedRefused)
	assert.Equal(t, map[string][]string{refusedShard: sortedRefused}, names,
		"pre-flight names exactly the keys OCI cannot store, and only in their shard")
	r = s.OK("plan", planPath)
	assert.Contains(t, r.Stdout, "Warning: shard "+refusedShard+" holds 4 keys the destination cannot store: "+strconv.Quote(sortedRefused[0]))
	nKeys, nOdd := countUnder(want, keysPrefix), countUnder(want, oddPrefix)
	assert.Equal(t, map[string]int64{keysShard: int64(nKeys), oddShard: int64(nOdd), refusedShard: int64(len(refusedOK) + len(unsupportedKeys))}, counts)

	s.OK("start", planPath)
	waitFor(t, hook.arrived, "the first delta round of "+keysShard)
	changeSource()
	close(hook.release)
	st := s.WaitFor(id, "the shards to soak, and the refused one to stop", 4*time.Minute, func(v clitest.Status) bool {
		for _, sid := range []string{keysShard, oddShard} {
			sh := v.Shard(sid)
			switch {
			case sh.State == workflows.Failed:
				t.Fatalf("shard %s failed: %s", sid, sh.LastError)
			case sh.WaitingForOperator:
				t.Fatalf("shard %s waits for an operator after %d delta rounds that each found changes (last %d): a key does not list the same at both ends",
					sid, sh.DeltaRounds, sh.LastChanged)
			case sh.State != workflows.Soaking:
				return false
			}
		}
		sh := v.Shard(refusedShard)
		return sh.State == workflows.Failed || sh.State == workflows.Soaking || sh.State == workflows.CatchingUp && sh.WaitingForOperator
	})
	t.Logf("states after the migration: %v (%s since the start)", st.States(), time.Since(began).Round(time.Second))

	// The destination through oci-go-sdk: the same keys, the same bytes.
	assert.Equal(t, want, merge(src.hashes(t, keysPrefix), src.hashes(t, oddPrefix)), "the source after the delta round")
	got := merge(dst.hashes(t, keysPrefix), dst.hashes(t, oddPrefix))
	assertSameKeys(t, want, got)
	assert.Equal(t, refusedOK, dst.hashes(t, refusedPrefix), "of the refused shard, exactly the keys OCI can hold are at the destination")
	ks := st.Shard(keysShard)
	assert.GreaterOrEqual(t, ks.DeltaRounds, 2, "the first delta round found the changes, a later one none")

	// The refused shard names every key OCI cannot hold, and says why.
	rs := st.Shard(refusedShard)
	t.Logf("refused shard: %s, last error: %q, problem keys %q", rs.State, rs.LastError, rs.ProblemKeys)
	assert.Equal(t, int64(len(unsupportedKeys)), rs.Counts.UnsupportedName, "each key OCI cannot hold is an unsupported name")
	assert.NotEqual(t, workflows.Soaking, rs.State, "a shard with keys the destination cannot hold is not cut over")

	// The manifests, through the starter: every key exactly once, with the
	// SHA-256 of the source's bytes; deleted keys marked so; unsupported
	// names named as they are.
	r = s.OK("report", id, "--objects", "-o", "json")
	objs := map[string]report.Object{}
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		var o report.Object
		require.NoError(t, json.Unmarshal([]byte(line), &o), line)
		_, dup := objs[o.Key]
		require.False(t, dup, "the manifests record %q once", o.Key)
		objs[o.Key] = o
	}
	for k, h := range merge(want, refusedOK) {
		o, ok := objs[k]
		if !assert.True(t, ok, "the manifests record %q", k) {
			continue
		}
		assert.Contains(t, []string{"copied", "skipped"}, o.Outcome, "%q", k)
		assert.Empty(t, o.Deleted, "%q", k)
		assert.Equal(t, h, o.SHA256, "the manifest's SHA-256 of %q is the source's", k)
	}
	assert.GreaterOrEqual(t, objs[multipartKey].Parts, 2, "the tricky-key object larger than the part size is copied in parts")
	assert.Contains(t, objs, maxLenKey(keysPrefix, 1024), "the 1,024-byte key is recorded whole")
	for _, k := range deleted {
		o, ok := objs[keysPrefix+k]
		if assert.True(t, ok, "the manifests record the deleted %q", keysPrefix+k) {
			assert.Equal(t, "deleted", o.Deleted, "%q", keysPrefix+k)
		}
	}
	for _, k := range unsupportedKeys {
		o, ok := objs[refusedPrefix+k]
		if assert.True(t, ok, "the manifests record the unsupported %q", refusedPrefix+k) {
			assert.Equal(t, string(engine.UnsupportedName), o.Outcome, "%q", refusedPrefix+k)
			assert.Contains(t, o.Error, "line feed, carriage return or NUL", "%q", refusedPrefix+k)
		}
	}
	extra := []string{}
	for k, o := range objs {
		if _, ok := want[k]; !ok && refusedOK[k] == "" && o.Deleted == "" && o.Outcome != string(engine.UnsupportedName) {
			extra = append(extra, k)
		}
	}
	assert.Empty(t, extra, "the manifests record no key that is not at the source")

	// The report names the unsupported names, escaped so that the
	// Markdown stays one row per key.
	out := filepath.Join(dir, "report")
	s.OK("report", id, "--out", out)
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "Unsupported names: 4")
	for _, k := range unsupportedKeys {
		assert.Contains(t, string(md), "| `"+strconv.Quote(refusedPrefix+k)+"` |", "the report lists %q, quoted", k)
	}

	// Rollback of the soaking shard: tricky keys written at the
	// destination after cutover, and one overwritten there, come back to
	// the source by reverse sync.
	written := map[string]string{}
	for _, k := range []string{"after-cutover/ü+%2F?#&=", "after-cutover/tab\tand space ", "after-cutover//..//", "Case"} {
		data := content(keysPrefix+k, 3, 120)
		dst.put(t, keysPrefix+k, data)
		written[keysPrefix+k] = shaOf(data)
		want[keysPrefix+k] = shaOf(data)
	}
	s.OK("rollback", id, keysShard, "--as", "alice", "--reason", "tricky-key rollback test")
	s.WaitFor(id, "the rollback", 4*time.Minute, func(v clitest.Status) bool {
		sh := v.Shard(keysShard)
		if sh.State == workflows.Failed {
			t.Fatalf("shard %s failed in its rollback: %s", keysShard, sh.LastError)
		}
		return sh.State == workflows.RolledBack
	})
	back := src.hashes(t, keysPrefix)
	for k, h := range written {
		assert.Equal(t, h, back[k], "reverse sync brought %q back with its bytes", k)
	}
	assertSameKeys(t, onlyUnder(want, keysPrefix), back)
	t.Logf("%d keys of %d classes, a 1024-byte key and a %d-byte multi-part object migrated and rolled back in %s",
		len(want), len(trickyKeyClasses), len(big), time.Since(began).Round(time.Second))
}

// assertSameKeys compares two key → SHA-256 maps, naming each key that
// differs (quoted, so that invisible characters show).
func assertSameKeys(t *testing.T, want, got map[string]string) {
	t.Helper()
	var missing, extra, differ []string
	for k, h := range want {
		switch g, ok := got[k]; {
		case !ok:
			missing = append(missing, k)
		case g != h:
			differ = append(differ, k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(differ)
	assert.Empty(t, missing, "keys missing at the destination")
	assert.Empty(t, extra, "keys at the destination that the source does not hold")
	assert.Empty(t, differ, "keys whose SHA-256 differs")
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func countUnder(m map[string]string, prefix string) int { return len(onlyUnder(m, prefix)) }

func onlyUnder(m map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}
