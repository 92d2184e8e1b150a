// Asking again until something is done: a report being made, for instance. One call at a time (the
// next is timed from the end of the last, so a slow answer is never overtaken by the next question),
// and stop() ends it at once, as a page being left must.

export interface Poller {
  stop(): void
}

/** Call `check` every `everyMs` (the first time after one interval: what is asked after was just
 * answered) until it answers true, throws (given to `failed`), or stop() is called. */
export function poll(check: () => Promise<boolean>, everyMs: number, failed: (error: unknown) => void): Poller {
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  async function round(): Promise<void> {
    let done: boolean
    try {
      done = await check()
    } catch (error) {
      if (!stopped) failed(error)
      return
    }
    if (!done && !stopped) timer = setTimeout(round, everyMs)
  }
  timer = setTimeout(round, everyMs)
  return {
    stop() {
      stopped = true
      clearTimeout(timer)
    },
  }
}
