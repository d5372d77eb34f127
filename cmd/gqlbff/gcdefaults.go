package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"math"
	"os"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
)

// The garbage collector's defaults for a server, set in-process where the
// environment leaves them unset (BENCHMARKS.md, "GC defaults", measures
// them).
const (
	// defaultGCPercent replaces Go's GOGC=100: a BFF's live heap is small
	// (a few MiB) and its garbage is per request, so at 100 it collects
	// every few wide operations and spends a quarter of its CPU there.
	defaultGCPercent = 400
	// memLimitPercent of the cgroup's memory limit becomes the Go memory
	// limit: past it the collector runs harder whatever the GC percent,
	// so the larger percent never runs the process out of its container.
	// The rest is for what the limit does not count (binary, C memory,
	// the kernel's socket buffers).
	memLimitPercent = 85
)

// gcPlan is what setGCDefaults sets: Percent when > 0, Limit (bytes) when > 0.
type gcPlan struct {
	Percent int
	Limit   int64
}

// planGC decides the GC settings from the environment and the cgroup's
// memory limit (0: none): each default applies only where its variable is
// unset, so an operator's GOGC or GOMEMLIMIT always wins.
func planGC(getenv func(string) string, cgroupLimit int64) gcPlan {
	var p gcPlan
	if getenv("GOGC") == "" {
		p.Percent = defaultGCPercent
	}
	if getenv("GOMEMLIMIT") == "" && cgroupLimit > 0 {
		p.Limit = cgroupLimit / 100 * memLimitPercent
	}
	return p
}

// setGCDefaults applies planGC to this process.
func setGCDefaults() {
	p := planGC(os.Getenv, cgroupMemoryLimit(os.DirFS("/")))
	if p.Percent > 0 {
		debug.SetGCPercent(p.Percent)
	}
	if p.Limit > 0 {
		debug.SetMemoryLimit(p.Limit)
	}
}

// cgroupMemoryLimit is the memory limit of this process's cgroup, in bytes,
// the smallest along its path to the root (cgroup v2's memory.max, or v1's
// memory.limit_in_bytes); 0 when there is none or it cannot be read. fsys
// is the root file system.
func cgroupMemoryLimit(fsys fs.FS) int64 {
	b, err := fs.ReadFile(fsys, "proc/self/cgroup")
	if err != nil {
		return 0
	}
	// Lines are "id:controllers:path": v2 is "0::path", v1's memory
	// controller "N:memory:path" (possibly with other controllers).
	var v1, v2 string
	haveV1, haveV2 := false, false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2, haveV2 = parts[2], true
		case containsField(parts[1], "memory"):
			v1, haveV1 = parts[2], true
		}
	}
	if haveV1 {
		if l := smallestLimit(fsys, "sys/fs/cgroup/memory", v1, "memory.limit_in_bytes"); l > 0 {
			return l
		}
	}
	if haveV2 {
		return smallestLimit(fsys, "sys/fs/cgroup", v2, "memory.max")
	}
	return 0
}

func containsField(list, name string) bool {
	for _, f := range strings.Split(list, ",") {
		if f == name {
			return true
		}
	}
	return false
}

// smallestLimit reads file in every directory from mount/cgroupPath up to
// mount and answers the smallest limit found; 0 for none. "max" and v1's
// huge "no limit" values are no limit.
func smallestLimit(fsys fs.FS, mount, cgroupPath, file string) int64 {
	var best int64
	dir := path.Clean("/" + cgroupPath)
	for {
		b, err := fs.ReadFile(fsys, path.Join(mount, dir, file))
		if err == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && n < math.MaxInt64/2 {
				if best == 0 || n < best {
					best = n
				}
			}
		}
		if dir == "/" {
			return best
		}
		dir = path.Dir(dir)
	}
}
