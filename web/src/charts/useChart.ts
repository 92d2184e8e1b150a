// What every chart does with ECharts: made in its element once mounted, drawn again whole when what it
// shows changes, resized with its element, disposed when unmounted. The parts every chart needs are
// registered here; each chart registers its own kind (bars, lines).
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { init, use, type ECharts, type EChartsCoreOption } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { onBeforeUnmount, onMounted, watch, type Ref, type WatchSource } from 'vue'

use([GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

// The charts' words and figures (legends, axes), dark enough on white (WCAG AA).
export const INK = '#3a3d42'

export function useChart(
  element: Ref<HTMLElement | undefined>,
  option: () => EChartsCoreOption,
  shown: WatchSource[],
): void {
  let chart: ECharts | undefined
  let observer: ResizeObserver | undefined

  onMounted(() => {
    const box = element.value!
    // Until it is resized the chart keeps its old size: unclipped, a window made narrower would scroll
    // sideways for a frame or two, and a screenshot taken then shows a page wider than the window.
    // The charts' tooltips are confined to the chart for this.
    box.style.overflow = 'hidden'
    chart = init(box, undefined, { renderer: 'canvas' })
    chart.setOption(option())
    // Resized in the next frame: resizing inside the observer's callback would loop it.
    observer = new ResizeObserver(() => requestAnimationFrame(() => chart?.resize()))
    observer.observe(box)
  })
  watch(shown, () => chart?.setOption(option(), true))
  onBeforeUnmount(() => {
    observer?.disconnect()
    chart?.dispose()
  })
}
