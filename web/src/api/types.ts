// The shapes of the API's answers, named: aliases of schema.d.ts, which `make web-types` generates
// from the OpenAPI document the app serves. An answer carries every field its schema dumps, so the
// fields the API fills in (ids, names, nested rows) are required here, at every depth, although the
// document marks them optional for what a client sends.
import type { components } from './schema'

type Schemas = components['schemas']
type Dumped<T> = T extends (infer U)[] ? Dumped<U>[] : T extends object ? { [K in keyof T]-?: Dumped<T[K]> } : T
export type Answer<K extends keyof Schemas> = Dumped<Schemas[K]>

export type Token = Answer<'Token'>
export type Me = Answer<'Me'>
export type Target = Answer<'Target'>
export type Progress = Answer<'Progress'>
export type TallyRow = Answer<'TallyRow'>
export type Region = Answer<'Region'>
export type Alert = Answer<'Alert'>
export type Product = Answer<'Product'>
export type Certification = Answer<'Certification'>
export type Supplier = Answer<'Supplier'>
export type AuditEvent = Answer<'AuditEvent'>
export type Batch = Answer<'Batch'>
export type PurchaseOrder = Answer<'PurchaseOrder'>
export type ImportJob = Answer<'ImportJob'>
export type Agency = Answer<'Agency'>
export type Order = Answer<'Order'>
export type Report = Answer<'Report'>
export type Facets = Answer<'Facets'>
export type CategoryFacet = Answer<'CategoryFacet'>
export type Pairing = Answer<'Pairing'>
export type SupplierFulfilment = Answer<'SupplierFulfilment'>
export type AfterSales = Answer<'AfterSales'>
export type Fapiao = Answer<'Fapiao'>
export type SupplierSales = Answer<'SupplierSales'>
export type Fulfilment = Answer<'Fulfilment'>
export type OrderLine = Answer<'OrderLine'>
export type Notification = Answer<'Notification'>
export type NotificationSettings = Answer<'NotificationSettings'>
export type Cart = Answer<'Cart'>
export type CartItem = Answer<'CartItem'>
export type CartSupplier = Answer<'CartSupplier'>
export type Address = Answer<'Address'>
export type AddressCreate = components['schemas']['AddressCreate']
export type Category = Answer<'Category'>
export type ProductImage = Answer<'Image'>
export type Quota = Answer<'Quota'>
export type UnitQuota = Answer<'UnitQuota'>
export type Filing = Answer<'Filing'>
export type FilingCreate = Schemas['FilingCreate']
export type PaymentMethod = Answer<'PaymentMethod'>
export type AlipayPayLink = Answer<'AlipayPayLink'>
