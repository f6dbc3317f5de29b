package bench

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/ocimove/ocimove/internal/store"
)

// seedPartSize is the part size of seeded multipart objects.
const seedPartSize = 64 << 20

// seed writes the set's objects into the source bucket in parallel and
// returns the SHA-256 (hex) of each, by key.
func seed(ctx context.Context, src store.Store, set Set) (map[string]string, error) {
	sums := make([]string, set.Count)
	g, ctx := errgroup.WithContext(ctx)
	if set.Size <= seedPartSize {
		g.SetLimit(32)
	} else {
		g.SetLimit(4)
	}
	for i := range set.Count {
		g.Go(func() error {
			var err error
			if set.Size <= seedPartSize {
				sums[i], err = seedSingle(ctx, src, set, i)
			} else {
				sums[i], err = seedMultipart(ctx, src, set, i)
			}
			if err != nil {
				return fmt.Errorf("seed %s: %w", set.key(i), err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[string]string, set.Count)
	for i, s := range sums {
		out[set.key(i)] = s
	}
	return out, nil
}

func seedSingle(ctx context.Context, src store.Store, set Set, i int) (string, error) {
	buf := make([]byte, set.Size)
	_, _ = io.ReadFull(content(set.Name, i), buf)
	m := md5.Sum(buf)
	s := sha256.Sum256(buf)
	_, err := src.Put(ctx, set.key(i), bytes.NewReader(buf), set.Size, store.PutOptions{ContentMD5: m[:]})
	return hex.EncodeToString(s[:]), err
}

func seedMultipart(ctx context.Context, src store.Store, set Set, i int) (string, error) {
	key := set.key(i)
	id, err := src.CreateMultipart(ctx, key, store.PutOptions{})
	if err != nil {
		return "", err
	}
	r := content(set.Name, i)
	h := sha256.New()
	var parts []store.Part
	buf := make([]byte, seedPartSize)
	for n, off := 1, int64(0); off < set.Size; n++ {
		b := buf[:min(int64(len(buf)), set.Size-off)]
		_, _ = io.ReadFull(r, b)
		h.Write(b)
		m := md5.Sum(b)
		p, err := src.UploadPart(ctx, key, id, n, bytes.NewReader(b), int64(len(b)), m[:])
		if err != nil {
			_ = src.AbortMultipart(context.WithoutCancel(ctx), key, id)
			return "", err
		}
		if len(p.MD5) == 0 {
			p.MD5 = m[:]
		}
		p.Number, p.Size = n, int64(len(b))
		parts = append(parts, p)
		off += int64(len(b))
	}
	if _, err := src.CompleteMultipart(ctx, key, id, parts); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
