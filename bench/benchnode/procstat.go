package benchnode

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ProcStat is what the benchmarks report of the server process, read from
// outside it (/proc/<pid>), so no figure depends on the server's own view
// or on a forced GC.
type ProcStat struct {
	CPUSeconds float64 // user + system time so far
	RSSKB      int     // resident now (VmRSS)
	PeakRSSKB  int     // resident at most so far (VmHWM)
}

// Stat reads pid's CPU time and resident memory.
func Stat(pid int) ProcStat {
	var s ProcStat
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// Fields after the parenthesised command name; utime and stime are
		// the 14th and 15th fields of the line, in clock ticks (USER_HZ,
		// 100 on Linux whatever the kernel's HZ).
		if i := strings.LastIndexByte(string(b), ')'); i > 0 {
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 12 {
				ut, _ := strconv.ParseFloat(f[11], 64)
				st, _ := strconv.ParseFloat(f[12], 64)
				s.CPUSeconds = (ut + st) / 100
			}
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			switch k {
			case "VmRSS":
				s.RSSKB = n
			case "VmHWM":
				s.PeakRSSKB = n
			}
		}
	}
	return s
}

// LoadAverage returns the machine's 1-minute load average, and a mark when
// it is over 1.5: on a shared machine such a figure is not a quiet one.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	v, _ := strconv.ParseFloat(f[0], 64)
	if v > 1.5 {
		return f[0] + " (over 1.5: the machine was busy)"
	}
	return f[0]
}

// PostgresCPUSeconds is the CPU time of every PostgreSQL process on the
// machine (a process named postgres: the postmaster, its backends, its
// background workers), with the time of the children they have reaped, so
// a backend that exited between two readings still counts. The difference
// of two readings is the database's CPU over that span, on a machine where
// no other PostgreSQL cluster is busy.
func PostgresCPUSeconds() float64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total float64
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		open, end := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
		if open < 0 || end < open || string(b[open+1:end]) != "postgres" {
			continue
		}
		// utime, stime, cutime, cstime: the 14th to 17th fields.
		f := strings.Fields(string(b[end+1:]))
		if len(f) > 14 {
			for _, v := range f[11:15] {
				n, _ := strconv.ParseFloat(v, 64)
				total += n / 100
			}
		}
	}
	return total
}
