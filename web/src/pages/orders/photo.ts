// A phone's photo made fit to send: at most MAX_SIDE pixels on its longer side, as JPEG. Drawing it
// afresh also leaves its metadata behind (the place it was taken among them), and keeps it under the
// API's image limit (2 MiB), which most phone photos are over.
export const MAX_SIDE = 1600
const QUALITY = 0.85

/** The size a width × height picture is drawn at to fit within `max` on its longer side. */
export function fitWithin(width: number, height: number, max: number = MAX_SIDE): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height))
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

export async function shrinkPhoto(file: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(file)
  const size = fitWithin(bitmap.width, bitmap.height)
  const canvas = document.createElement('canvas')
  canvas.width = size.width
  canvas.height = size.height
  const context = canvas.getContext('2d')
  if (!context) throw new Error('no 2D canvas')
  context.fillStyle = '#fff' // a transparent PNG becomes white, not black, in JPEG
  context.fillRect(0, 0, size.width, size.height)
  context.drawImage(bitmap, 0, 0, size.width, size.height)
  bitmap.close()
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('not drawn'))), 'image/jpeg', QUALITY),
  )
}
