package main

import (
	"testing"
	"testing/fstest"
)

func TestPlanGCKeepsWhatTheEnvironmentSets(t *testing.T) {
	const gib = 1 << 30
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		name   string
		getenv func(string) string
		cgroup int64
		want   gcPlan
	}{
		{"nothing set, no cgroup limit: the GC percent only", env(), 0, gcPlan{Percent: defaultGCPercent}},
		{"nothing set, a 2 GiB cgroup: both", env(), 2 * gib, gcPlan{Percent: defaultGCPercent, Limit: 2 * gib / 100 * memLimitPercent}},
		{"GOGC set: its percent stays, the limit still comes from the cgroup", env("GOGC", "100"), 2 * gib, gcPlan{Limit: 2 * gib / 100 * memLimitPercent}},
		{"GOGC=off: the cgroup's limit is the only bound", env("GOGC", "off"), gib, gcPlan{Limit: gib / 100 * memLimitPercent}},
		{"GOMEMLIMIT set: its limit stays", env("GOMEMLIMIT", "512MiB"), 2 * gib, gcPlan{Percent: defaultGCPercent}},
		{"both set: nothing changes", env("GOGC", "50", "GOMEMLIMIT", "1GiB"), 2 * gib, gcPlan{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := planGC(tt.getenv, tt.cgroup); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCgroupMemoryLimit(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name string
		fs   fstest.MapFS
		want int64
	}{
		{"v2, a limit on the process's own cgroup", fstest.MapFS{
			"proc/self/cgroup":                           file("0::/kubepods/pod1/ctr\n"),
			"sys/fs/cgroup/kubepods/pod1/ctr/memory.max": file("536870912\n"),
			"sys/fs/cgroup/kubepods/pod1/memory.max":     file("max\n"),
		}, 512 << 20},
		{"v2, the smallest limit along the path counts", fstest.MapFS{
			"proc/self/cgroup":                           file("0::/kubepods/pod1/ctr\n"),
			"sys/fs/cgroup/kubepods/pod1/ctr/memory.max": file("max\n"),
			"sys/fs/cgroup/kubepods/pod1/memory.max":     file("268435456\n"),
			"sys/fs/cgroup/kubepods/memory.max":          file("1073741824\n"),
		}, 256 << 20},
		{"v2, a cgroup namespace (path /)", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("1073741824\n"),
		}, 1 << 30},
		{"v2, no limit", fstest.MapFS{
			"proc/self/cgroup":         file("0::/user.slice\n"),
			"sys/fs/cgroup/memory.max": file("max\n"),
		}, 0},
		{"v1, a limit", fstest.MapFS{
			"proc/self/cgroup": file("5:devices:/\n4:memory:/docker/abc\n0::/\n"),
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": file("805306368\n"),
		}, 768 << 20},
		{"v1, its no-limit value", fstest.MapFS{
			"proc/self/cgroup": file("4:memory:/process_api/x\n0::/\n"),
			"sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes": file("9223372036854771712\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes":               file("9223372036854771712\n"),
		}, 0},
		{"v1 with other controllers on its line", fstest.MapFS{
			"proc/self/cgroup": file("7:cpu,memory:/a\n"),
			"sys/fs/cgroup/memory/a/memory.limit_in_bytes": file("1048576\n"),
		}, 1 << 20},
		{"no /proc", fstest.MapFS{}, 0},
		{"garbage", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("lots\n"),
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cgroupMemoryLimit(tt.fs); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
