package blob

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Local is a Store in a folder of the local file system. The blob with
// digest abcd… lives in dir/ab/cd/abcd…; Put writes into dir/tmp first, on
// the same file system, so that the final rename is atomic.
//
// Durability: Put fsyncs the new file before linking it into place and then
// fsyncs the folder that received it (and the folders it had to create), so
// a blob that Put reported stored survives a crash or power loss. Stored
// files are read-only (0400); they are never rewritten.
type Local struct {
	dir     string
	tmp     string
	maxSize int64
}

// tmpDir is the folder below the store's root that holds unfinished Puts.
const tmpDir = "tmp"

// NewLocal opens the store in dir, creating dir and its tmp folder (mode
// 0700) when they do not exist.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blob: no folder given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	l := &Local{dir: abs, tmp: filepath.Join(abs, tmpDir)}
	if err := os.MkdirAll(l.tmp, 0o700); err != nil {
		return nil, fmt.Errorf("blob: create folder: %w", err)
	}
	return l, nil
}

// WithMaxSize makes every Put fail with file_too_large, storing nothing,
// when the content is larger than n bytes (n <= 0: no limit). It returns l.
func (l *Local) WithMaxSize(n int64) *Local {
	l.maxSize = n
	return l
}

// Dir returns the root folder of the store.
func (l *Local) Dir() string { return l.dir }

// Path returns the file of the blob sha256, whether it exists or not; sha256
// must be a valid name.
func (l *Local) Path(sha string) string {
	return filepath.Join(l.dir, sha[0:2], sha[2:4], sha)
}

// Put stores the content of r; see Store.
func (l *Local) Put(ctx context.Context, r io.Reader) (info Info, err error) {
	if l.maxSize > 0 {
		lr := &limitReader{r: r, left: l.maxSize, limit: l.maxSize}
		defer func() {
			if lr.exceeded {
				info, err = Info{}, tooLarge(l.maxSize)
			}
		}()
		r = lr
	}
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	f, err := os.CreateTemp(l.tmp, "put-*")
	if err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	tmp := f.Name()
	committed := false
	defer func() {
		if !committed {
			f.Close()
			os.Remove(tmp)
		}
	}()

	n, sum, err := hashCopy(ctx, newWriteback(f), r)
	if err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	if err := f.Chmod(0o400); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob: put: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	info = Info{SHA256: hex.EncodeToString(sum), Size: n}
	// A Put cancelled while its file was being synced stores nothing either.
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}

	final := l.Path(info.SHA256)
	if _, err := os.Lstat(final); err == nil {
		return info, nil // deduplicated: the content is stored already
	}
	if err := l.mkdirs(filepath.Dir(final)); err != nil {
		return Info{}, err
	}
	// A hard link puts the file in place atomically and, unlike rename,
	// fails instead of replacing a blob a concurrent Put stored meanwhile.
	switch err := os.Link(tmp, final); {
	case err == nil:
	case errors.Is(err, fs.ErrExist):
		return info, nil
	default:
		// File systems without hard links: rename, which is atomic too and
		// at worst replaces the blob with identical bytes.
		if err := os.Rename(tmp, final); err != nil {
			return Info{}, fmt.Errorf("blob: put: %w", err)
		}
		committed = true
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	if !committed {
		// The temporary name goes; the blob's name stays.
		committed = true
		os.Remove(tmp)
	}
	return info, nil
}

// mkdirs creates the fan-out folders dir (root/ab/cd) when missing and
// fsyncs each parent that received a new folder.
func (l *Local) mkdirs(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	mid := filepath.Dir(dir)
	for _, d := range []struct{ dir, parent string }{{mid, l.dir}, {dir, mid}} {
		switch err := os.Mkdir(d.dir, 0o700); {
		case err == nil:
			if err := syncDir(d.parent); err != nil {
				return fmt.Errorf("blob: put: %w", err)
			}
		case errors.Is(err, fs.ErrExist):
		default:
			return fmt.Errorf("blob: put: %w", err)
		}
	}
	return nil
}

// syncDir fsyncs a folder, making the names created in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Open returns the blob's file; see Store.
func (l *Local) Open(ctx context.Context, sha string) (io.ReadSeekCloser, Info, error) {
	if err := checkHash(sha); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	f, err := os.Open(l.Path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, notFound(sha)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("blob: open: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Info{}, fmt.Errorf("blob: open: %w", err)
	}
	return f, Info{SHA256: sha, Size: fi.Size()}, nil
}

// Stat returns the blob's size; see Store.
func (l *Local) Stat(ctx context.Context, sha string) (Info, error) {
	if err := checkHash(sha); err != nil {
		return Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	fi, err := os.Stat(l.Path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, notFound(sha)
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: stat: %w", err)
	}
	return Info{SHA256: sha, Size: fi.Size()}, nil
}

// Delete removes the blob; see Store. The fan-out folders stay, as a
// concurrent Put may be about to link into them.
func (l *Local) Delete(ctx context.Context, sha string) error {
	if err := checkHash(sha); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := l.Path(sha)
	err := os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return notFound(sha)
	}
	if err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	return nil
}

// List calls fn for every blob in ascending order; see Store. Files that are
// not blobs (wrong name or place, the tmp folder) are skipped.
func (l *Local) List(ctx context.Context, fn func(Info) error) error {
	top, err := readDirNames(l.dir)
	if err != nil {
		return fmt.Errorf("blob: list: %w", err)
	}
	for _, a := range top {
		if !isFanout(a) {
			continue
		}
		mids, err := readDirNames(filepath.Join(l.dir, a))
		if err != nil {
			return fmt.Errorf("blob: list: %w", err)
		}
		for _, b := range mids {
			if !isFanout(b) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			leaf := filepath.Join(l.dir, a, b)
			entries, err := os.ReadDir(leaf)
			if err != nil {
				return fmt.Errorf("blob: list: %w", err)
			}
			for _, e := range entries {
				name := e.Name()
				if !e.Type().IsRegular() || !ValidHash(name) || name[0:2] != a || name[2:4] != b {
					continue
				}
				fi, err := e.Info()
				if errors.Is(err, fs.ErrNotExist) {
					continue // deleted meanwhile
				}
				if err != nil {
					return fmt.Errorf("blob: list: %w", err)
				}
				if err := fn(Info{SHA256: name, Size: fi.Size()}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// TempFiles returns the names of unfinished Puts in the tmp folder: those of
// running Puts, or leftovers of a crash, which are safe to delete while no
// Put runs.
func (l *Local) TempFiles() ([]string, error) {
	names, err := readDirNames(l.tmp)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return names, nil
}

// readDirNames returns the sorted names in dir; a missing dir has none.
func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	return names, nil
}

// isFanout reports whether name is a fan-out folder name: two lower-case
// hex digits.
func isFanout(name string) bool {
	return len(name) == 2 && strings.Trim(name, "0123456789abcdef") == ""
}
