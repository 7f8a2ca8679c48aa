import {
  DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { AmqpClient } from './amqp-client';

export interface MessagingModuleOptions {
  url: string;
  /** Shown in the broker's connection list and in logs; the app's name. */
  name: string;
}

/**
 * One self-healing broker connection per app, injectable as AmqpClient. It starts connecting once
 * every module has initialised (so their setup hooks are registered first) and never blocks boot:
 * a broker that is down shows as `/health/ready` 503 until it is back. It closes in the last
 * shutdown phase, after consumers stopped (onModuleDestroy) and in-flight work settled
 * (beforeApplicationShutdown).
 */
@Global()
@Module({})
export class MessagingModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(AmqpClient) private readonly client: AmqpClient) {}

  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        {
          provide: AmqpClient,
          useFactory: () => new AmqpClient({ url: options.url, name: options.name, logger: new Logger() }),
        },
      ],
      exports: [AmqpClient],
    };
  }

  onApplicationBootstrap(): void {
    this.client.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
