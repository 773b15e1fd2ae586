package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// launchArg, as the first argument, makes the benchmark a launcher: it runs
// the command that follows, passing on SIGTERM and SIGINT, and writes the
// command's peak RSS in KiB and the CPU time it used in microseconds to file
// descriptor 3.
//
// The benchmark starts ticketd through this launcher because the peak RSS
// the kernel reports for a child (Rusage.Maxrss) is at least the memory
// high-water mark of the process that started it: Go starts programs with
// vfork, so the child runs in the parent's address space until exec, and the
// kernel keeps that space's high-water mark as the child's starting maxrss.
// The benchmark itself grows to hundreds of megabytes drawing screenshots;
// the launcher is a fresh, small process.
const launchArg = "-launch-and-measure"

func launch(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "bench: "+launchArg+": no command")
		return 2
	}
	syscall.CloseOnExec(3) // not for the command
	report := os.NewFile(3, "rusage")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 127
	}
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && report != nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Fprintf(report, "%d %d\n", ru.Maxrss, cpu.Microseconds())
		report.Close()
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}
