export { startSampleShop, type SampleShopOptions, type SampleShop } from './lib/sample-shop';
