package manifest

import (
	"bytes"
	"encoding/json"
	"path"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/engine"
)

// decodeAll decodes a whole manifest object from data, as Reader does.
func decodeAll(data []byte) (Manifest, error) {
	d, err := newDecoder("fuzz.json", bytes.NewReader(data))
	if err != nil {
		return Manifest{}, err
	}
	es, err := readAll(d)
	if err != nil {
		return Manifest{}, err
	}
	m := d.hdr
	m.Entries = es
	return m, nil
}

func seedManifest() Manifest {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	return Manifest{Kind: KindBatch, MigrationID: "m", ShardID: "s-1", Prefix: "users/0a/", Seq: 3, Cursor: "users/0a/a", NextCursor: "users/0a/z",
		Written: at, StartAt: at, Sorted: true, Entries: []Entry{
			{Result: engine.Result{Key: "users/0a/b c%2F+é", Size: 12, SHA256: strings.Repeat("ab", 32), Outcome: engine.Copied}},
			{Result: engine.Result{Key: "users/0a/q?#&=", Size: 0}, Deleted: DeletedKept},
		}}
}

// FuzzDecode feeds arbitrary bytes to the streaming manifest decoder.
// Properties: it never panics and garbage is an error; a manifest that
// decodes round-trips: encoded again and decoded, it is equal, entries
// and all.
func FuzzDecode(f *testing.F) {
	b, _ := json.Marshal(seedManifest())
	f.Add(b)
	f.Add([]byte(`{"kind":"batch","entries":null}`))
	f.Add([]byte(`{"entries":[{"key":"a"}],"kind":"delta","seq":1}`))
	f.Add([]byte(`{"kind":"batch","entries":[{"key":"a"},`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"entries":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeAll(data)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("the error does not name the object: %v", err)
			}
			return
		}
		enc, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("encode a decoded manifest: %v", err)
		}
		again, err := decodeAll(enc)
		if err != nil {
			t.Fatalf("a re-encoded manifest does not decode: %v\n%s", err, enc)
		}
		if len(m.Entries) == 0 && len(again.Entries) == 0 {
			m.Entries, again.Entries = nil, nil
		}
		if !reflect.DeepEqual(normalTimes(m), normalTimes(again)) {
			t.Fatalf("round trip changed the manifest:\n%+v\n%+v", m, again)
		}
	})
}

// normalTimes drops monotonic and location details that JSON does not keep.
func normalTimes(m Manifest) Manifest {
	m.Written, m.StartAt = m.Written.UTC(), m.StartAt.UTC()
	return m
}

// FuzzKeys checks the manifest key scheme: every key Key and PartKey make
// parses back to its kind, number and part, and parseKey never panics on
// any base name.
func FuzzKeys(f *testing.F) {
	f.Add("s-1", "batch", 7, 0, "batch-00007.json")
	f.Add("users-0a-1f", "delta", 123456, 3, "delta-00003-p0001.json")
	f.Add("x", "recopy", 0, -1, "recopy-99999999999999999999.json")
	f.Fuzz(func(t *testing.T, shard, kind string, seq, part int, base string) {
		_, _, _, _ = parseKey(base)
		_, _ = partNumber(base, "delta-00003-p")
		k := Kind(kind)
		if k != KindBatch && k != KindRecopy && k != KindDelta || seq < 0 || part < -1 || strings.Contains(shard, "/") || shard == "" {
			return
		}
		key := Key("root/", shard, k, seq)
		if part >= 0 {
			key = PartKey("root/", shard, RunName(k, seq), part)
		}
		if !strings.HasPrefix(key, ShardDir("root/", shard)) {
			t.Fatalf("%s is not under its shard's folder", key)
		}
		gk, gs, gp, ok := parseKey(path.Base(key))
		if !ok || gk != k || gs != seq || gp != part {
			t.Fatalf("parseKey(%q) = %s %d %d %v; want %s %d %d", path.Base(key), gk, gs, gp, ok, k, seq, part)
		}
	})
}
