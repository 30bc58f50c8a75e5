// Command interop answers questions about transparency-log data using Go's
// golang.org/x/mod/sumdb/note and sumdb/tlog, the reference peer for the
// Rust tlog crate's interop test (../go_interop.rs).
//
// It reads one command per line on standard input and writes one answer
// line per command. Binary values are standard base64; "-" is an empty
// value or list.
//
//	leafhash <data>                         -> <hash>
//	records <data>...                       -> ok       (builds a tree in memory)
//	root <size>                             -> <hash>
//	prove-record <index> <size>             -> <hash>...
//	prove-tree <old> <new>                  -> <hash>...
//	check-record <size> <root> <index> <leafhash> <proof>...  -> ok | err <why>
//	check-tree <new> <newroot> <old> <oldroot> <proof>...     -> ok | err <why>
//	open <vkey> <note>                      -> ok <text> | err <why>
//	sign <skey> <text>                      -> <note>
package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var b64 = base64.StdEncoding

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		hs := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("no stored hash %d", x)
			}
			hs[i] = stored[x]
		}
		return hs, nil
	})
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		answer, err := run(f[0], f[1:], &stored, reader)
		if err != nil {
			fmt.Fprintf(out, "err %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintln(out, answer)
		}
		out.Flush()
	}
}

func decode(s string) []byte {
	if s == "-" {
		return nil
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("bad base64 %q: %v", s, err))
	}
	return b
}

func hash(s string) tlog.Hash {
	var h tlog.Hash
	if copy(h[:], decode(s)) != len(h) {
		panic("short hash " + s)
	}
	return h
}

func num(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}

func hashes(args []string) []tlog.Hash {
	var hs []tlog.Hash
	for _, a := range args {
		if a != "-" {
			hs = append(hs, hash(a))
		}
	}
	return hs
}

func list(hs []tlog.Hash) string {
	if len(hs) == 0 {
		return "-"
	}
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = b64.EncodeToString(h[:])
	}
	return strings.Join(s, " ")
}

func run(cmd string, a []string, stored *[]tlog.Hash, r tlog.HashReader) (string, error) {
	switch cmd {
	case "leafhash":
		h := tlog.RecordHash(decode(a[0]))
		return b64.EncodeToString(h[:]), nil
	case "records":
		*stored = nil
		for i, rec := range a {
			hs, err := tlog.StoredHashes(int64(i), decode(rec), r)
			if err != nil {
				return "", err
			}
			*stored = append(*stored, hs...)
		}
		return "ok", nil
	case "root":
		h, err := tlog.TreeHash(num(a[0]), r)
		return b64.EncodeToString(h[:]), err
	case "prove-record":
		p, err := tlog.ProveRecord(num(a[1]), num(a[0]), r)
		return list(p), err
	case "prove-tree":
		p, err := tlog.ProveTree(num(a[1]), num(a[0]), r)
		return list(p), err
	case "check-record":
		err := tlog.CheckRecord(hashes(a[4:]), num(a[0]), hash(a[1]), num(a[2]), hash(a[3]))
		return "ok", err
	case "check-tree":
		err := tlog.CheckTree(hashes(a[4:]), num(a[0]), hash(a[1]), num(a[2]), hash(a[3]))
		return "ok", err
	case "open":
		v, err := note.NewVerifier(a[0])
		if err != nil {
			return "", err
		}
		n, err := note.Open(decode(a[1]), note.VerifierList(v))
		if err != nil {
			return "", err
		}
		return "ok " + b64.EncodeToString([]byte(n.Text)), nil
	case "sign":
		s, err := note.NewSigner(a[0])
		if err != nil {
			return "", err
		}
		msg, err := note.Sign(&note.Note{Text: string(decode(a[1]))}, s)
		return b64.EncodeToString(msg), err
	}
	return "", fmt.Errorf("unknown command %q", cmd)
}
