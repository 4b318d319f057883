package benchnode

import (
	"log"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"time"
)

// ProfileFromEnv takes one CPU profile of this node when the benchmark asks
// for it: PARLEY_BENCH_CPUPROFILE names the file, and the profile covers
// PARLEY_BENCH_CPUPROFILE_FOR (default 8s) starting
// PARLEY_BENCH_CPUPROFILE_AFTER (default 0) after the node starts. The
// benchmark kills its nodes, so the profile is written when its window
// ends, not at exit.
func ProfileFromEnv() {
	path := os.Getenv("PARLEY_BENCH_CPUPROFILE")
	if path == "" {
		return
	}
	after := durationEnv("PARLEY_BENCH_CPUPROFILE_AFTER", 0)
	window := durationEnv("PARLEY_BENCH_CPUPROFILE_FOR", 8*time.Second)
	go func() {
		time.Sleep(after)
		f, err := os.Create(path)
		if err != nil {
			log.Printf("cpu profile: %v", err)
			return
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Printf("cpu profile: %v", err)
			return
		}
		time.Sleep(window)
		pprof.StopCPUProfile()
		log.Printf("cpu profile of %s written to %s", window, path)
	}()
}

func durationEnv(name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		log.Fatalf("%s: %v", name, err)
	}
	return d
}

// TraceFromEnv writes an execution trace of PARLEY_BENCH_TRACE_FOR
// (default 2s) to PARLEY_BENCH_TRACE, starting PARLEY_BENCH_TRACE_AFTER
// after the node starts.
func TraceFromEnv() {
	path := os.Getenv("PARLEY_BENCH_TRACE")
	if path == "" {
		return
	}
	after := durationEnv("PARLEY_BENCH_TRACE_AFTER", 0)
	window := durationEnv("PARLEY_BENCH_TRACE_FOR", 2*time.Second)
	go func() {
		time.Sleep(after)
		f, err := os.Create(path)
		if err != nil {
			log.Printf("trace: %v", err)
			return
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			log.Printf("trace: %v", err)
			return
		}
		time.Sleep(window)
		trace.Stop()
		log.Printf("trace of %s written to %s", window, path)
	}()
}
