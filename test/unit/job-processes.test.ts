/**
 * The registry of each job's running processes (issue 20, case 3): a process started inside a
 * job's scope is ended (SIGKILL) when the job is stopped, the run rejects with JobStopped (not a
 * retryable encoder failure), and the stopped job starts no new process. Real child processes.
 */
import assert from 'node:assert/strict';
import { JobProcesses, JobStoppedError } from '../../src/media/ffmpeg/jobProcesses.js';
import { runProcess, ProcessError } from '../../src/media/ffmpeg/runner.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('job processes: stopped with their job', () => {
  it('stop() ends the running process of the job at once; the next run starts nothing', async () => {
    const reg = new JobProcesses();
    const other = reg.run('j-other', () => runProcess('/bin/sleep', ['3'], { timeoutMs: 10_000 }));
    const run = reg.run('j-a', () => runProcess('/bin/sleep', ['30'], { timeoutMs: 60_000 }));
    const deadline = Date.now() + 5_000;
    while (reg.pids('j-a').length === 0) {
      assert.ok(Date.now() < deadline, 'the process was registered');
      await new Promise((r) => setTimeout(r, 10));
    }
    const [pid] = reg.pids('j-a');
    const asked = Date.now();
    assert.deepEqual(reg.stop('j-a', 'canceled'), [pid]);
    await assert.rejects(
      run,
      (e: unknown) => e instanceof JobStoppedError && e.name === 'JobStopped' && e.jobId === 'j-a',
    );
    assert.ok(Date.now() - asked < 1_000, `ended within 1 s (${Date.now() - asked} ms)`);
    assert.equal(alive(pid), false);
    assert.deepEqual(reg.pids('j-a'), []);
    // A Task the state machine still schedules for the stopped job starts no process.
    await assert.rejects(
      reg.run('j-a', () => runProcess('/bin/true', [], { timeoutMs: 5_000 })),
      JobStoppedError,
    );
    // Another job's process is left alone.
    assert.equal((await other).stdout, '');
  });

  it('outside a job scope, or for another job, a process killed by a signal is still a ProcessError (retried)', async () => {
    const reg = new JobProcesses();
    reg.stop('j-b', 'canceled');
    const run = runProcess('/bin/sleep', ['30'], { timeoutMs: 200 });
    await assert.rejects(run, (e: unknown) => e instanceof ProcessError && e.timedOut);
  });
});
