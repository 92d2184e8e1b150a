// The API's tally rows shaped for the charts: which bars or lines, in which order, with which of the
// API's amounts. Only arranged here, never summed into a figure that is shown: totals shown are the
// API's own (the ranking alone adds a bar's parts, to order the bars).
import type { BarSeries } from './RankedBarChart.vue'
import type { LineSeries } from './MonthLineChart.vue'

export type Row = { amount_fen: number } & Record<string, unknown>

/** A row's value of a dimension, as people read it: the name beside the code where the API gives one. */
export function labelOf(row: Row, dimension: string): string {
  const name = row[`${dimension}_name`]
  const code = row[dimension]
  return typeof name === 'string' && name !== '' ? name : code === null || code === undefined ? '—' : String(code)
}

function keyOf(row: Row, dimension: string): string {
  return String(row[dimension] ?? '')
}

// The keys of a dimension, largest sales first (ties by key, so the order is stable).
function ranked(rows: Row[], dimension: string): string[] {
  const size = new Map<string, number>()
  for (const row of rows) size.set(keyOf(row, dimension), (size.get(keyOf(row, dimension)) ?? 0) + row.amount_fen)
  return [...size.keys()].sort((a, b) => size.get(b)! - size.get(a)! || (a < b ? -1 : a > b ? 1 : 0))
}

function labels(rows: Row[], dimension: string): Map<string, string> {
  return new Map(rows.map((row) => [keyOf(row, dimension), labelOf(row, dimension)]))
}

export interface Shaped<S> {
  series: S[]
  // How many bars (or lines) the chart shows, of how many there are.
  shown: number
  all: number
}

/** Bars per value of `first`, ranked, the top `top` of them; stacked by `second` when given. */
export function rankedBars(
  rows: Row[],
  first: string,
  second: string | null,
  single: string,
  top = 30,
): Shaped<BarSeries> & { categories: string[] } {
  const order = ranked(rows, first)
  const keys = order.slice(0, top)
  const names = labels(rows, first)
  const amount = new Map(rows.map((row) => [`${keyOf(row, first)}\u0000${second ? keyOf(row, second) : ''}`, row.amount_fen]))
  const stacks = second ? ranked(rows, second) : ['']
  const stackNames = second ? labels(rows, second) : new Map([['', single]])
  return {
    categories: keys.map((key) => names.get(key)!),
    series: stacks.map((stack) => ({
      name: stackNames.get(stack)!,
      values: keys.map((key) => amount.get(`${key}\u0000${stack}`) ?? null),
    })),
    shown: keys.length,
    all: order.length,
  }
}

/** A line per value of `other` (the top `top` of them), or one line, over the months in the rows. */
export function monthLines(
  rows: Row[],
  other: string | null,
  single: string,
  top = 10,
): Shaped<LineSeries> & { months: string[] } {
  const months = [...new Set(rows.map((row) => keyOf(row, 'month')))].sort()
  const order = other ? ranked(rows, other) : ['']
  const keys = order.slice(0, top)
  const names = other ? labels(rows, other) : new Map([['', single]])
  const amount = new Map(rows.map((row) => [`${keyOf(row, 'month')}\u0000${other ? keyOf(row, other) : ''}`, row.amount_fen]))
  return {
    months,
    series: keys.map((key) => ({
      name: names.get(key)!,
      values: months.map((month) => amount.get(`${month}\u0000${key}`) ?? null),
    })),
    shown: keys.length,
    all: order.length,
  }
}
