package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"

	"github.com/ocimove/ocimove/internal/store"
)

// verifyDest checks that dst holds exactly the set's objects with the right
// sizes, and re-reads spot objects (first, last and a few between) and
// compares their SHA-256 with what was seeded.
func verifyDest(ctx context.Context, dst store.Store, set Set, want map[string]string, spot int) error {
	objs, err := listAll(ctx, dst)
	if err != nil {
		return err
	}
	got := make(map[string]int64, len(objs))
	for _, o := range objs {
		got[o.Key] = o.Size
	}
	var missing, wrong []string
	for k := range want {
		sz, ok := got[k]
		switch {
		case !ok:
			missing = append(missing, k)
		case sz != set.Size:
			wrong = append(wrong, fmt.Sprintf("%s is %d bytes, want %d", k, sz, set.Size))
		}
	}
	if len(missing) > 0 || len(wrong) > 0 || len(objs) != len(want) {
		sort.Strings(missing)
		return fmt.Errorf("%s: %d objects, want %d; %d missing (first: %v), %d with a wrong size (first: %v)",
			dst, len(objs), len(want), len(missing), first(missing), len(wrong), first(wrong))
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range spotKeys(keys, spot) {
		rc, _, err := dst.Get(ctx, k, store.GetOptions{})
		if err != nil {
			return fmt.Errorf("spot check: get %s: %w", k, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("spot check: read %s: %w", k, err)
		}
		if s := hex.EncodeToString(h.Sum(nil)); s != want[k] {
			return fmt.Errorf("spot check: %s in %s has SHA-256 %s, seeded %s", k, dst, s, want[k])
		}
	}
	return nil
}

// spotKeys picks n keys spread over keys, including the first and last.
func spotKeys(keys []string, n int) []string {
	if n >= len(keys) {
		return keys
	}
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, keys[i*(len(keys)-1)/max(n-1, 1)])
	}
	return out
}

// checkEngineReport checks that the engine copied every object and that
// the SHA-256 it recorded for each is the seeded one.
func checkEngineReport(rep CopyReport, want map[string]string) error {
	if rep.Outcomes["copied"] != len(want) || rep.Objects != len(want) {
		return fmt.Errorf("engine: %d objects, outcomes %v, want %d copied; errors: %v", rep.Objects, rep.Outcomes, len(want), rep.Errors)
	}
	for k, s := range want {
		if rep.SHA256[k] != s {
			return fmt.Errorf("engine recorded SHA-256 %q for %s, seeded %s", rep.SHA256[k], k, s)
		}
	}
	if rep.PoolLeft != 0 {
		return fmt.Errorf("engine: %d pool bytes still in use after the batch (a buffer leak)", rep.PoolLeft)
	}
	return nil
}

func first(s []string) []string {
	if len(s) > 3 {
		return s[:3]
	}
	return s
}
