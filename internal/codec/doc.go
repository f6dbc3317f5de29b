// Package codec encrypts Temporal payloads with AES-256-GCM, so that
// workflow inputs, results, signals, queries, Updates, heartbeat details,
// memos and failure messages reach the Temporal server (and its history)
// as ciphertext only.
//
// Keys come from a key ring (ParseKeyring, LoadKeyring): the first key
// encrypts, every key decrypts, and each payload names the key that sealed
// it (metadata "encryption-key-id"), so keys rotate by putting a new key
// first and keeping the old ones until no open history needs them. The key
// id is a fingerprint of the key, never the key.
//
// A Codec is a converter.PayloadCodec; DataConverter and FailureConverter
// give the client options that use it, and Handler serves it as a codec
// server for the Temporal Web UI and CLI.
package codec
