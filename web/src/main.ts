import 'element-plus/theme-chalk/base.css'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { useSession } from './stores/session'

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(router)
useSession().watchExpiry()
app.mount('#app')
