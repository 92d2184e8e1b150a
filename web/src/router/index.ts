import { createRouter, createWebHistory } from 'vue-router'
import { useSession } from '../stores/session'

const targetsPage = () => import('../pages/dashboard/TargetsPage.vue')
const productEditPage = () => import('../pages/workbench/ProductEditPage.vue')

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/sign-in', name: 'sign-in', component: () => import('../pages/SignIn.vue'), meta: { public: true } },
    { path: '/sign-up', name: 'sign-up', component: () => import('../pages/SignUp.vue'), meta: { public: true } },
    // The shop is public: anyone may browse it without signing in.
    { path: '/', name: 'home', component: () => import('../pages/shop/ShopHome.vue'), meta: { public: true } },
    {
      path: '/products',
      name: 'catalog',
      component: () => import('../pages/shop/CatalogPage.vue'),
      meta: { public: true },
    },
    {
      path: '/products/:id(\\d+)',
      name: 'product',
      component: () => import('../pages/shop/ProductPage.vue'),
      meta: { public: true },
    },
    { path: '/cart', name: 'cart', component: () => import('../pages/shop/CartPage.vue') },
    { path: '/checkout', name: 'checkout', component: () => import('../pages/shop/CheckoutPage.vue') },
    {
      path: '/orders/:id(\\d+)/pay',
      name: 'pay',
      component: () => import('../pages/shop/PayPage.vue'),
      meta: { ownPolicy: true },
    },
    { path: '/orders/:id(\\d+)/result', name: 'order-result', component: () => import('../pages/shop/OrderResult.vue') },
    {
      path: '/dashboard',
      component: () => import('../pages/dashboard/DashboardLayout.vue'),
      meta: { dashboard: true },
      children: [
        { path: '', name: 'dashboard', component: targetsPage },
        { path: 'tallies', name: 'tallies', component: () => import('../pages/dashboard/TalliesPage.vue') },
        { path: 'queues', name: 'queues', component: () => import('../pages/dashboard/QueuesPage.vue') },
        { path: 'alerts', name: 'alerts', component: () => import('../pages/dashboard/AlertsPage.vue') },
        { path: 'ledger', name: 'ledger', component: () => import('../pages/dashboard/LedgerPage.vue') },
      ],
    },
    {
      path: '/workbench',
      name: 'workbench',
      redirect: { name: 'workbench-products' },
      component: () => import('../pages/workbench/WorkbenchLayout.vue'),
      meta: { workbench: true },
      children: [
        { path: '', name: 'workbench-products', component: () => import('../pages/workbench/ProductsPage.vue') },
        { path: 'products/new', name: 'workbench-products-new', component: productEditPage },
        { path: 'products/:id(\\d+)', name: 'workbench-products-edit', component: productEditPage, props: true },
        { path: 'orders', name: 'workbench-orders', component: () => import('../pages/workbench/OrdersPage.vue') },
        {
          path: 'after-sales',
          name: 'workbench-after-sales',
          component: () => import('../pages/workbench/AfterSalesPage.vue'),
        },
        { path: 'fapiao', name: 'workbench-fapiao', component: () => import('../pages/workbench/FapiaoPage.vue') },
        { path: 'sales', name: 'workbench-sales', component: () => import('../pages/workbench/SalesPage.vue') },
      ],
    },
    {
      path: '/portal',
      name: 'portal',
      component: () => import('../pages/portal/PortalLayout.vue'),
      redirect: { name: 'portal-quota' },
      meta: { portal: true },
      children: [
        { path: '', name: 'portal-quota', component: () => import('../pages/portal/QuotaPage.vue') },
        {
          path: 'orders',
          name: 'portal-orders',
          component: () => import('../pages/portal/OrdersPage.vue'),
          props: { side: 'agency' },
        },
        { path: 'orders/new', name: 'portal-order-new', component: () => import('../pages/portal/OrderNewPage.vue') },
        {
          path: 'orders/:id(\\d+)',
          name: 'portal-order',
          component: () => import('../pages/portal/OrderPage.vue'),
          meta: { portal: 'order' },
        },
        {
          path: 'supplier-orders',
          name: 'portal-supplier-orders',
          component: () => import('../pages/portal/OrdersPage.vue'),
          props: { side: 'supplier' },
          meta: { portal: 'supplier' },
        },
        { path: 'filing', name: 'portal-filing', component: () => import('../pages/portal/FilingPage.vue') },
        {
          path: 'approvals',
          name: 'portal-approvals',
          component: () => import('../pages/portal/ApprovalsPage.vue'),
        },
      ],
    },
    { path: '/account', name: 'account', component: () => import('../pages/AccountPage.vue') },
    { path: '/orders', name: 'orders', component: () => import('../pages/orders/OrdersPage.vue') },
    { path: '/orders/:id(\\d+)', name: 'order', component: () => import('../pages/orders/OrderPage.vue') },
    {
      path: '/notifications',
      name: 'notifications',
      component: () => import('../pages/notifications/NotificationsPage.vue'),
    },
    {
      path: '/account/addresses',
      name: 'addresses',
      component: () => import('../pages/account/AddressesPage.vue'),
    },
    {
      path: '/:missing(.*)*',
      name: 'not-found',
      component: () => import('../pages/NotFound.vue'),
      meta: { public: true },
    },
  ],
})

// Pages need a session, the dashboard a role that may use it, the workbench a supplier's member, the
// portal an agency membership (its suppliers' orders a supplier's, a purchase order any of those or
// an admin); anyone else goes where they may.
router.beforeEach(async (to, from) => {
  // The payment page is served with a policy of its own (Stripe's script, where Stripe is the
  // gateway): it is entered and left by loading the page, so that it has that policy and no other
  // page ever does.
  if (from.matched.length > 0 && (to.meta.ownPolicy || from.meta.ownPolicy) && to.path !== from.path) {
    window.location.assign(to.fullPath)
    return false
  }
  const session = useSession()
  if (to.meta.public) {
    // A signed-in user browsing the shop still sees their name and menu.
    if (session.signedIn) void session.loadMe().catch(() => undefined)
    return true
  }
  if (!session.signedIn) return { name: 'sign-in', query: { next: to.fullPath } }
  // The dashboard's code (ECharts) loads while the user is asked for, not after.
  if (to.meta.dashboard) void targetsPage()
  try {
    await session.loadMe()
  } catch {
    if (!session.signedIn) return { name: 'sign-in' }
    throw new Error('could not load the signed-in user')
  }
  if (!session.signedIn) return { name: 'sign-in' }
  if (to.meta.dashboard && !session.mayUseDashboard) return { name: 'account' }
  if (to.meta.workbench && !session.isSupplierMember) return { name: 'account' }
  if (to.meta.portal && !session.mayOpenPortal(to.meta.portal as true | 'order' | 'supplier')) {
    return { name: 'account' }
  }
  return true
})

// The last word before a page shows, once its code has loaded: a user who signed out while it
// loaded (a slow network, a big chart library) is not shown a page of an empty session.
router.beforeResolve((to) => {
  if (to.meta.public || useSession().signedIn) return true
  return { name: 'sign-in' }
})
