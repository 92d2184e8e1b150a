// Where an application stands on its review path (county → city → province, as its rule has it).

export type StepState = 'done' | 'current' | 'waiting'

export interface Step {
  stage: string
  state: StepState
}

// Statuses reached only once every stage approved.
const PAST_REVIEW = ['in_notice', 'certified', 'expired', 'revoked']

/** Each stage of an application, approved (done), to review now (current) or after it (waiting). A
 * rejected application shows no stage done: the history says at which it stopped. */
export function stagePath(stages: string[], currentStage: string | null, status: string): Step[] {
  if (PAST_REVIEW.includes(status)) return stages.map((stage) => ({ stage, state: 'done' }))
  const at = status === 'applied' && currentStage !== null ? stages.indexOf(currentStage) : -1
  return stages.map((stage, i) => ({
    stage,
    state: at < 0 ? 'waiting' : i < at ? 'done' : i === at ? 'current' : 'waiting',
  }))
}
