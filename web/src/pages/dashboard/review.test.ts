import { describe, expect, it } from 'vitest'
import { stagePath } from './review'

describe('stagePath', () => {
  it('marks the stages before the current one done and those after it waiting', () => {
    expect(stagePath(['county', 'city', 'province'], 'city', 'applied')).toEqual([
      { stage: 'county', state: 'done' },
      { stage: 'city', state: 'current' },
      { stage: 'province', state: 'waiting' },
    ])
    expect(stagePath(['county', 'province'], 'county', 'applied').map((s) => s.state)).toEqual(['current', 'waiting'])
  })

  it('shows every stage done once the last approval started the public notice', () => {
    for (const status of ['in_notice', 'certified', 'expired', 'revoked']) {
      expect(stagePath(['county', 'city'], null, status).map((s) => s.state)).toEqual(['done', 'done'])
    }
  })

  it('claims no stage done for a rejected application', () => {
    expect(stagePath(['county', 'province'], null, 'rejected').map((s) => s.state)).toEqual(['waiting', 'waiting'])
  })
})
