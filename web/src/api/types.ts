// The shapes of the API's answers this app reads (GET /api/openapi.json: TokenSchema, MeSchema,
// TargetSchema, ProgressSchema).

export interface Token {
  access_token: string
  token_type: string
  expires_in: number
}

export interface Me {
  user: { id: number; email: string; display_name: string; locale: string | null }
  roles: string[]
}

export interface Target {
  id: number
  name: string
  measure: 'amount' | 'weight'
  period_start: string
  period_end: string
  amount_fen: number | null
  weight_g: number | null
  buyer_region_code: string | null
  origin_region_code: string | null
  certified_only: boolean
}

export interface Progress {
  target_id: number
  name: string
  measure: 'amount' | 'weight'
  certified_only: boolean
  pace: 'seasonal' | 'linear'
  target_fen: number | null
  target_g: number | null
  achieved_fen: number
  achieved_g: number
  ratio: number
  expected_by_now_fen: number | null
  expected_by_now_g: number | null
  forecast_fen: number | null
  forecast_g: number | null
  status: 'on_track' | 'behind' | 'achieved'
  as_of: string
  by_month: { month: string; amount_fen: number; weight_g: number }[]
}
