/** Mean Earth radius in nautical miles (6,371.0088 km / 1.852 km per NM), as US allocation rules measure. */
export const EARTH_RADIUS_NM = 3440.065

const RADIANS = Math.PI / 180

/**
 * Great-circle distance in nautical miles between two points given in degrees (haversine formula,
 * R. W. Sinnott, "Virtues of the Haversine", Sky & Telescope 68(2):159, 1984).
 */
export function greatCircleDistanceNm (latitude1Deg: number, longitude1Deg: number, latitude2Deg: number, longitude2Deg: number): number {
  const phi1 = latitude1Deg * RADIANS
  const phi2 = latitude2Deg * RADIANS
  const dPhi = phi2 - phi1
  const dLambda = (longitude2Deg - longitude1Deg) * RADIANS
  const h = Math.sin(dPhi / 2) ** 2 + Math.cos(phi1) * Math.cos(phi2) * Math.sin(dLambda / 2) ** 2
  return 2 * EARTH_RADIUS_NM * Math.asin(Math.min(1, Math.sqrt(h)))
}
