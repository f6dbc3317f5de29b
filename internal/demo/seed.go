package demo

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/ocimove/ocimove/internal/store"
)

// seedObject is one sample object: its key and how to make its bytes.
type seedObject struct {
	key  string
	size int64
	kind int // 0 profile JSON, 1 avatar, 2 large archive
}

// shardPrefix is the key prefix of shard i: users/00/, users/01/, …
func shardPrefix(i int) string { return fmt.Sprintf("users/%02x/", i) }

// shardPrefixes lists the prefixes of n shards.
func shardPrefixes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = shardPrefix(i)
	}
	return out
}

// sampleObjects lists the demo's sample user data: objects small objects
// spread over the shards, alternating a JSON profile and an avatar per
// user (1–8 KiB each), and one large archive in the first shard.
func sampleObjects(shards, objects int, large int64) []seedObject {
	var out []seedObject
	for s := 0; s < shards; s++ {
		n := objects / shards
		if s < objects%shards {
			n++
		}
		for j := 0; j < n; j++ {
			user := fmt.Sprintf("%suser-%05d/", shardPrefix(s), j/2)
			o := seedObject{key: user + "profile.json", kind: 0}
			if j%2 == 1 {
				o = seedObject{key: user + "avatar.png", kind: 1}
			}
			o.size = 1024 + int64(keyRand(o.key).IntN(7*1024+1))
			out = append(out, o)
		}
	}
	if large > 0 {
		out = append(out, seedObject{key: shardPrefix(0) + "user-00000/export-archive.tar", size: large, kind: 2})
	}
	return out
}

// keyRand is a generator seeded by key, so an object's bytes are the same
// on every run (an interrupted seeding rewrites identical objects).
func keyRand(key string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(key))
	return rand.New(rand.NewPCG(h.Sum64(), 0x0c1))
}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Frances", "Donald", "Radia", "Leslie", "Margaret", "Dennis"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Allen", "Knuth", "Perlman", "Lamport", "Hamilton", "Ritchie"}
	states     = []string{"VA", "OR", "CA", "TX", "NY", "WA", "IL", "OH", "GA", "AZ"}
	words      = strings.Fields("data migration shard cutover verify region object storage profile user bucket replica soak freeze catch up manifest evidence")
)

// content returns the bytes of o.
func (o seedObject) content() []byte {
	r := keyRand(o.key)
	switch o.kind {
	case 0:
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"id":%q,"name":"%s %s","email":"user%d@example.com","state":%q,"createdAt":"20%02d-%02d-%02dT12:00:00Z","plan":%q,"bio":"`,
			strings.TrimSuffix(o.key, "/profile.json"), firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))],
			r.IntN(1_000_000), states[r.IntN(len(states))], 15+r.IntN(10), 1+r.IntN(12), 1+r.IntN(28),
			[]string{"free", "pro", "team"}[r.IntN(3)])
		tail := `"}` + "\n"
		for int64(b.Len()+len(tail)) < o.size {
			w := words[r.IntN(len(words))]
			if int64(b.Len()+len(w)+1+len(tail)) > o.size {
				b.WriteString(strings.Repeat(".", int(o.size)-b.Len()-len(tail)))
				break
			}
			b.WriteString(w + " ")
		}
		b.WriteString(tail)
		return b.Bytes()
	default:
		data := make([]byte, o.size)
		var seed [32]byte
		for i := 0; i < 4; i++ {
			v := r.Uint64()
			for j := 0; j < 8; j++ {
				seed[i*8+j] = byte(v >> (8 * j))
			}
		}
		_, _ = rand.NewChaCha8(seed).Read(data)
		if o.kind == 1 && len(data) >= 8 {
			copy(data, "\x89PNG\r\n\x1a\n")
		}
		return data
	}
}

// seed writes every sample object into src, 8 at a time, and returns what
// it wrote per shard prefix.
func seed(ctx context.Context, src store.Store, objs []seedObject, shards int) (map[string]Size, error) {
	sizes := map[string]Size{}
	for _, p := range shardPrefixes(shards) {
		sizes[p] = Size{}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, o := range objs {
		g.Go(func() error {
			data := o.content()
			if _, err := src.Put(gctx, o.key, bytes.NewReader(data), int64(len(data)), store.PutOptions{}); err != nil {
				return fmt.Errorf("demo: seed %s: %w", o.key, err)
			}
			p := o.key[:len(shardPrefix(0))]
			mu.Lock()
			s := sizes[p]
			s.Objects++
			s.Bytes += int64(len(data))
			sizes[p] = s
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return sizes, nil
}
