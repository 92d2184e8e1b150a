import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { poll } from './poll'

describe('poll', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('asks every interval, from one interval on, until the answer is done', async () => {
    const answers = [false, false, true]
    const check = vi.fn(async () => answers.shift() ?? true)
    poll(check, 1000, () => {})
    await vi.advanceTimersByTimeAsync(999)
    expect(check).toHaveBeenCalledTimes(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(check).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(check).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(5000)
    expect(check).toHaveBeenCalledTimes(3)
  })

  it('stops asking once stopped, as a page being left does', async () => {
    const check = vi.fn(async () => false)
    const poller = poll(check, 1000, () => {})
    await vi.advanceTimersByTimeAsync(2000)
    poller.stop()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(check).toHaveBeenCalledTimes(2)
  })

  it('hands a failure over and asks no more', async () => {
    const failed = vi.fn()
    const check = vi.fn(async () => {
      throw new Error('network')
    })
    poll(check, 1000, failed)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(check).toHaveBeenCalledTimes(1)
    expect(failed).toHaveBeenCalledWith(new Error('network'))
  })

  it('never asks again before the last answer came', async () => {
    let answer: (done: boolean) => void = () => {}
    const check = vi.fn(() => new Promise<boolean>((resolve) => (answer = resolve)))
    poll(check, 1000, () => {})
    await vi.advanceTimersByTimeAsync(6000)
    expect(check).toHaveBeenCalledTimes(1)
    answer(false)
    await vi.advanceTimersByTimeAsync(1000)
    expect(check).toHaveBeenCalledTimes(2)
  })
})
