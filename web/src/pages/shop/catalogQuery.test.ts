import { describe, expect, it } from 'vitest'
import { apiQuery, filtersOf, queryOf } from './catalogQuery'

describe('the catalog state in the URL', () => {
  it('round-trips every filter through the route query', () => {
    const query = { q: '脐橙', origin: '500236', certified: '1', in_stock: '1', min: '5000', max: '10000', sort: 'price_fen', page: '2' }
    expect(queryOf(filtersOf(query))).toEqual(query)
  })

  it('drops what it cannot read instead of sending it to the API', () => {
    const filters = filtersOf({ origin: 'x', min: '-3', sort: 'stock', page: 'abc', certified: 'yes' })
    expect(queryOf(filters)).toEqual({})
  })

  it('searches by relevance unless a sort is chosen, with an inclusive upper price bound', () => {
    expect(apiQuery(filtersOf({ q: '脐橙', max: '5000' }))).toBe(
      'q=%E8%84%90%E6%A9%99&max_price_fen=4999&sort=relevance&page=1&page_size=12',
    )
    expect(apiQuery(filtersOf({ q: '脐橙', sort: '-price_fen' }), false)).toBe('q=%E8%84%90%E6%A9%99')
  })
})
