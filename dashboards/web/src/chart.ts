import { BarChart, FunnelChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'
import { useEffect, useRef } from 'preact/hooks'
import { formatValue } from './format.ts'
import type { Names } from './names.ts'
import { type AnalyticsResult, currencyFor, groupLabel, metricColumns } from './result.ts'
import { html } from './ui.ts'

echarts.use([LineChart, BarChart, FunnelChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer])

export type ChartKind = 'line' | 'bar' | 'funnel'

/** One chart of an analytics answer: lines over time, bars per group, or the per-block funnel. */
export function Chart({
  result,
  kind,
  names,
  height = 280,
  label,
}: {
  result: AnalyticsResult
  kind: ChartKind
  names: Names
  height?: number
  label: string
}) {
  const element = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!element.current) return
    const chart = echarts.init(element.current, undefined, { renderer: 'svg' })
    chart.setOption(chartOption(result, kind, names), true)
    const resize = () => chart.resize()
    const observer = new ResizeObserver(resize)
    observer.observe(element.current)
    return () => {
      observer.disconnect()
      chart.dispose()
    }
  }, [result, kind, names])
  return html`<div class="chart" data-chart=${kind} ref=${element} style=${`height:${height}px`} role="img" aria-label=${label}></div>`
}

function chartOption(result: AnalyticsResult, kind: ChartKind, names: Names): echarts.EChartsCoreOption {
  const metrics = metricColumns(result)
  const first = metrics[0]
  const secondFormat = metrics.find((metric) => metric.format !== first?.format)?.format
  const axisFormat = (value: number) =>
    formatValue(value, first?.format, first?.format === 'money_micros' ? axisCurrency(result) : undefined)
  const tooltip = {
    trigger: kind === 'funnel' ? 'item' : 'axis',
    valueFormatter: (value: number) => formatValue(value, first?.format, axisCurrency(result)),
  }
  if (kind === 'funnel' && first) {
    const data = result.rows
      .map((row) => ({ name: groupLabel(names, result, row), value: Number(row[first.name] ?? 0) }))
      .sort((a, b) => b.value - a.value)
    return {
      tooltip,
      series: [
        { type: 'funnel', data, sort: 'descending', label: { show: true, position: 'inside' }, gap: 2 },
      ],
    }
  }
  if (kind === 'bar' || result.range.granularity === 'total') {
    const rows = result.rows
    const categories = rows.map((row) => groupLabel(names, result, row))
    return {
      tooltip,
      legend: { top: 0, type: 'scroll' },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: 'category',
        data: categories,
        axisLabel: { interval: 0, rotate: categories.length > 4 ? 30 : 0 },
      },
      yAxis: yAxes(first?.format, secondFormat, axisFormat),
      series: metrics.map((metric) => ({
        type: 'bar',
        name: metric.label,
        yAxisIndex: metric.format === first?.format ? 0 : 1,
        data: rows.map((row) => Number(row[metric.name] ?? 0)),
      })),
    }
  }
  // Lines over time: one line per group and metric.
  const series = result.series.flatMap((line) =>
    metrics.map((metric) => ({
      type: 'line',
      showSymbol: false,
      name:
        result.series.length > 1 || metrics.length === 1
          ? `${groupLabel(names, result, line.group)}${metrics.length > 1 ? ` · ${metric.label}` : ''}`
          : metric.label,
      yAxisIndex: metric.format === first?.format ? 0 : 1,
      data: line.points.map((point) => [
        bucketLabel(String(point.bucket), result.range.granularity),
        Number(point[metric.name] ?? 0),
      ]),
    })),
  )
  return {
    tooltip: { ...tooltip, valueFormatter: (value: number) => formatValue(value, undefined) },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', boundaryGap: false },
    yAxis: yAxes(first?.format, secondFormat, axisFormat),
    series,
  }
}

/** Counts get whole-number ticks; a second metric of another unit gets its own axis on the right. */
function yAxes(first: string | undefined, second: string | undefined, format: (value: number) => string) {
  const whole = (unit: string | undefined) =>
    unit === 'count' || unit === 'tokens' ? { minInterval: 1 } : {}
  return [
    { type: 'value', axisLabel: { formatter: format }, ...whole(first) },
    ...(second
      ? [
          {
            type: 'value',
            axisLabel: { formatter: (value: number) => formatValue(value, second) },
            ...whole(second),
          },
        ]
      : []),
  ]
}

/** `2026-11-03T00:00:00` as the granularity reads: a day, a month, or a day and hour. */
export function bucketLabel(bucket: string, granularity: string): string {
  if (granularity === 'month') return bucket.slice(0, 7)
  if (granularity === 'hour') return `${bucket.slice(0, 10)} ${bucket.slice(11, 16)}`
  return bucket.slice(0, 10)
}

function axisCurrency(result: AnalyticsResult): string | undefined {
  const metric = metricColumns(result)[0]
  const row = result.rows[0]
  return metric && row ? currencyFor(result, metric.name, row) : undefined
}
